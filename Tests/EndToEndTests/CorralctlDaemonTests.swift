import CorralSupervisor
import CorralTestSupport
import Foundation
import Testing

/// corralctl's view of a running corrald: list, status, logs, reload, stop-all.
@Suite(.enabled(if: ContainerSandbox.canRunContainers, ContainerSandbox.skipReason))
struct CorralctlDaemonTests {
    func corralctl(_ daemon: DaemonHarness, _ arguments: [String]) throws -> ContainerSandbox.Run {
        try ContainerSandbox.run(ContainerSandbox.corralctl, arguments, in: daemon.sandbox.directory)
    }

    @Test func listStatusLogsReloadAndStopAll() throws {
        try withDaemon { daemon in
            try daemon.write("web.xml", daemon.service("web", "<memory unit='MiB'>64</memory>"))
            try daemon.start()
            daemon.wait("web running") { daemon.running("web") != nil }
            let pid = try #require(daemon.running("web"))
            let state = ["--state-dir", daemon.stateDirectory]

            let list = try corralctl(daemon, ["list"] + state)
            #expect(list.status == 0)
            let rows = list.output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            #expect(rows.first == ["NAME", "STATE", "PID", "UPTIME", "RESTARTS"])
            #expect(rows.dropFirst().first?.prefix(3) == ["web", "running", String(pid)])

            let json = try corralctl(daemon, ["list", "--format", "json"] + state)
            let decoded = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]]
            #expect(decoded?.first?["name"] as? String == "web")
            #expect(decoded?.first?["pid"] as? Int == Int(pid))

            let status = try corralctl(daemon, ["status", "web"] + state)
            #expect(status.output.contains("state:        running"))
            #expect(status.output.contains("definition:   \(daemon.configDirectory)/web.xml"))
            // What its cgroup says: memory against its limit, CPU time, tasks.
            #expect(status.output.contains("cgroup:       \(daemon.sandbox.cgroupParent)/web"), "\(status.output)")
            // Sizes in the best unit (a small container is not "0 MiB"), usage against the limit.
            let memory = status.output.split(separator: "\n").first { $0.hasPrefix("memory:") } ?? ""
            #expect(memory.contains(" of 64 MiB, peak ") && !memory.hasPrefix("memory:       0 "), "\(status.output)")
            #expect(status.output.split(separator: "\n").contains("tasks:        2 of 4096"), "\(status.output)")
            let statusJSON = try corralctl(daemon, ["status", "web", "--format", "json"] + state)
            let object = try JSONSerialization.jsonObject(with: Data(statusJSON.output.utf8)) as? [String: Any]
            #expect(object?["memory_limit_bytes"] as? Int == 64 << 20)
            #expect((object?["memory_current_bytes"] as? Int ?? 0) > 0)
            #expect(object?["tasks"] as? Int == 2)
            let missing = try corralctl(daemon, ["status", "nope"] + state)
            #expect(missing.status != 0)
            #expect(missing.errors.contains("no container 'nope'"))

            daemon.wait("web's console in its log") { daemon.containerLog("web").contains("web-up") }
            let logs = try corralctl(daemon, ["logs", "web", "--log-dir", daemon.logDirectory])
            #expect(logs.output.contains("[corral] started web"))
            #expect(logs.output.contains("web-up"))

            // logs -f follows what the container prints next.
            let follow = try ContainerSandbox.run("/bin/sh", ["-c", """
                timeout -s KILL 1.2 \(ContainerSandbox.corralctl) logs -f web --log-dir \(daemon.logDirectory) > \(daemon.sandbox.directory)/follow.out &
                sleep 0.5; echo appended-later >> \(daemon.logDirectory)/web.log; wait
                cat \(daemon.sandbox.directory)/follow.out
                """], in: daemon.sandbox.directory)
            #expect(follow.output.contains("web-up") && follow.output.hasSuffix("appended-later\n"), "\(follow.output)")

            // reload: SIGHUP through the pid file, seen in the log.
            #expect(try corralctl(daemon, ["reload"] + state).status == 0)
            daemon.wait("the reload") { daemon.log.contains("SIGHUP: re-read 1 definition(s)") }

            // stop-all: SIGTERM through the pid file; corrald stops web and exits 0.
            #expect(try corralctl(daemon, ["stop-all"] + state).status == 0)
            #expect(daemon.waitForExit() == 0)
            #expect(daemon.record("web")?.phase == .stopped)
            let gone = try corralctl(daemon, ["reload"] + state)
            #expect(gone.status != 0, "with corrald gone its pid file is gone too")
        }
    }
}

extension CorralctlDaemonTests {
    /// utime + stime of a process, in clock ticks (/proc/PID/stat fields 14 and 15).
    static func cpuTicks(of pid: Int32) -> Int {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        return fields.count > 12 ? (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0) : 0
    }

    /// Types `keys` into `corralctl console NAME` through a real pty (util-linux `script`),
    /// waiting `pause` seconds between chunks, and returns what the terminal showed.
    static func console(_ daemon: DaemonHarness, _ name: String, tty: Int? = nil, keys: [String], pause: Double = 0.7) throws -> String {
        let input = keys.map { "printf '\($0)'; sleep \(pause)" }.joined(separator: "; ")
        let command = "\(ContainerSandbox.corralctl) console \(name) --state-dir \(daemon.stateDirectory)" + (tty.map { " --tty \($0)" } ?? "")
        let run = try ContainerSandbox.run("/bin/sh", ["-c", "(sleep 0.3; \(input)) | script -qfec '\(command)' /dev/null"],
                                           in: daemon.sandbox.directory)
        return run.output + run.errors
    }

    /// Several consoles, as under libvirt-lxc: /dev/console, then /dev/tty1 and /dev/tty2 —
    /// a pty each, each logged apart (LOG_DIR/NAME.ttyN.log) and attachable with --tty N.
    @Test func furtherConsolesAreTheContainersTTYs() throws {
        try withDaemon { daemon in
            // A hang-up of tty1 (vhangup(2), as systemd tries around a getty) is refused: it needs
            // CAP_SYS_TTY_CONFIG in the host's user namespace; tty1 is written to again.
            try daemon.sandbox.installSyscallProbe()
            let script = "[ -c /dev/tty1 ] && [ -c /dev/tty2 ] && [ ! -e /dev/tty3 ] && echo three-consoles; echo on-tty1 > /dev/tty1; "
                + "/bin/probe vhangup /dev/tty1; sleep 1; echo after-hangup > /dev/tty1; "
                + "while read line < /dev/tty2; do echo \"tty2 got $line\" > /dev/tty2; done"
            try daemon.write("ttys.xml", daemon.sandbox.domain("ttys", script: script,
                                                                devices: String(repeating: "<console type='pty'/>", count: 3)))
            try daemon.start()
            let tty1Log = "\(daemon.logDirectory)/ttys.tty1.log"
            daemon.wait("tty1's log") { ((try? String(contentsOfFile: tty1Log, encoding: .utf8)) ?? "").contains("on-tty1") }
            #expect(daemon.containerLog("ttys").contains("three-consoles") && daemon.containerLog("ttys").contains("vhangup: Operation not permitted"),
                    "\(daemon.containerLog("ttys"))")
            #expect(!daemon.containerLog("ttys").contains("on-tty1"), "tty1 is logged apart from the console")
            // The attempt leaves the monitor neither spinning on the pty nor without it.
            daemon.wait("tty1 written after the hang-up attempt") { ((try? String(contentsOfFile: tty1Log, encoding: .utf8)) ?? "").contains("after-hangup") }
            let monitor = try #require(daemon.record("ttys")?.monitorPID)
            let before = Self.cpuTicks(of: monitor)
            Thread.sleep(forTimeInterval: 2)
            let used = Self.cpuTicks(of: monitor) - before
            #expect(used < 20, "the monitor used \(used) ticks of CPU in 2 s after tty1's hang-up")
            let logs = try corralctl(daemon, ["logs", "ttys", "--tty", "1", "--log-dir", daemon.logDirectory])
            #expect(logs.status == 0 && logs.output.hasPrefix("on-tty1\n") && logs.output.hasSuffix("after-hangup\n"), "\(logs.output)\(logs.errors)")

            let shown = try Self.console(daemon, "ttys", tty: 2, keys: ["ping\\r", "\\035"])
            #expect(shown.contains("attached to ttys's /dev/tty2") && shown.contains("tty2 got ping"), "\(shown)")
            #expect(!daemon.containerLog("ttys").contains("tty2 got"), "tty2's output stays off the console's log")

            let state = ["--state-dir", daemon.stateDirectory]
            let fourth = try corralctl(daemon, ["console", "ttys", "--tty", "3"] + state)
            #expect(fourth.status != 0 && fourth.errors.contains("cannot reach ttys's /dev/tty3") && fourth.errors.contains("4 <console> elements"),
                    "\(fourth.errors)")
            let outOfRange = try corralctl(daemon, ["console", "ttys", "--tty", "12"] + state)
            #expect(outOfRange.status != 0 && outOfRange.errors.contains("a container's ttys are 1 to 11"), "\(outOfRange.errors)")

            // Removed: its monitor's sockets go with it.
            try daemon.remove("ttys.xml")
            daemon.wait("ttys removed") { daemon.record("ttys") == nil }
            let sockets = try FileManager.default.contentsOfDirectory(atPath: daemon.stateDirectory).filter { $0.hasSuffix(".console") }
            #expect(sockets.isEmpty, "\(sockets)")
        }
    }

    /// Ended by a signal or by its monitor going away, `corralctl console` gives the terminal
    /// back as it found it.
    @Test func consoleRestoresTheTerminalOnEveryExit() throws {
        try withDaemon { daemon in
            try daemon.write("quiet.xml", daemon.service("quiet", script: "trap 'exit 0' TERM; while true; do sleep 1 & wait; done"))
            try daemon.start()
            daemon.wait("quiet running") { daemon.running("quiet") != nil }
            let console = "\(ContainerSandbox.corralctl) console quiet --state-dir \(daemon.stateDirectory)"
            // Killed once it has put the terminal in raw mode.
            let killed = try ContainerSandbox.run("/usr/bin/script", ["-qfec", """
                sh -c '(until stty -a < /dev/tty | grep -q -- -icanon; do sleep 0.05; done; kill -TERM $$) & exec \(console)'; stty -a | grep -o -- '-*icanon' | head -1
                """, "/dev/null"], in: daemon.sandbox.directory)
            #expect(killed.output.contains("detached from quiet's console"), "\(killed.output)")
            #expect(killed.output.replacingOccurrences(of: "\r", with: "").hasSuffix("\nicanon\n"), "the terminal is cooked again: \(killed.output)")
            // Dropped by its monitor: the container's definition goes away while attached.
            let definition = "\(daemon.configDirectory)/quiet.xml"
            let dropped = try ContainerSandbox.run("/usr/bin/script", ["-qfec", """
                sh -c '(until stty -a < /dev/tty | grep -q -- -icanon; do sleep 0.05; done; rm \(definition)) & exec \(console)'; stty -a | grep -o -- '-*icanon' | head -1
                """, "/dev/null"], in: daemon.sandbox.directory)
            #expect(dropped.output.contains("detached from quiet's console"), "\(dropped.output)")
            #expect(dropped.output.replacingOccurrences(of: "\r", with: "").hasSuffix("\nicanon\n"), "\(dropped.output)")
        }
    }

    /// A log is printed byte for byte; on a terminal, the container's escape sequences are
    /// shown, not obeyed, unless --raw.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a terminal"))
    func logsAreExactAndSafeOnATerminal() throws {
        try withDaemon { daemon in
            try daemon.write("noisy.xml", daemon.service("noisy", script: "printf 'clear\\033[2Jbyte end\\n'; sleep 1000"))
            try daemon.start()
            daemon.wait("noisy's output logged") { daemon.containerLog("noisy").contains("end") }
            let logs = [ContainerSandbox.corralctl, "logs", "noisy", "--log-dir", daemon.logDirectory]
            let plain = try ContainerSandbox.run(logs[0], Array(logs.dropFirst()), in: daemon.sandbox.directory)
            #expect(plain.output.contains("clear\u{1B}[2Jbyte end"), "raw when not a terminal: \(plain.output)")
            let terminal = try ContainerSandbox.run("/usr/bin/script", ["-qec", logs.joined(separator: " "), "/dev/null"],
                                                    in: daemon.sandbox.directory)
            #expect(terminal.output.contains("clear^[[2Jbyte"), "shown, not obeyed: \(terminal.output)")
        }
    }

    /// The monitor's event lines carry a marker the container's output cannot: a forged one is
    /// told apart.
    @Test func aContainerCannotForgeTheMonitorsEventLines() throws {
        try withDaemon { daemon in
            try daemon.write("forger.xml", daemon.service("forger",
                script: "printf '[corral] init exited with status 0 (powered off)\\n\\037[corral] forged with the marker\\n'; sleep 1000"))
            try daemon.start()
            daemon.wait("the forgery logged") { daemon.containerLog("forger").contains("forged with the marker") }
            let log = try Data(contentsOf: URL(fileURLWithPath: "\(daemon.logDirectory)/forger.log"))
            let lines = log.split(separator: UInt8(ascii: "\n")).map { Array($0) }
            let marked = lines.filter { $0.first == 0x1F }.map { String(decoding: $0.dropFirst(), as: UTF8.self) }
            #expect(marked.contains { $0.hasPrefix("[corral] started forger") }, "genuine events are marked: \(marked)")
            #expect(!marked.contains { $0.contains("init exited with status 0") || $0.contains("forged") }, "\(marked)")
            #expect(lines.contains(Array("?[corral] forged with the marker".utf8)), "the container's marker byte is replaced")
        }
    }

    @Test func execRunsACommandInAContainerCorraldSupervises() throws {
        try withDaemon { daemon in
            try daemon.write("served.xml", daemon.service("served"))
            try daemon.start()
            daemon.wait("served running") { daemon.running("served") != nil }
            let run = try ContainerSandbox.run(ContainerSandbox.corralctl, ["exec", "--state-dir", daemon.stateDirectory, "served", "--",
                                                                            "sh", "-c", "hostname; cat /proc/1/cmdline | tr '\\0' ' '"],
                                               in: daemon.sandbox.directory)
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output.hasPrefix("served\n/bin/sh -c "), "its init is PID 1 of the namespace joined: \(run.output)")
        }
    }

    @Test func consoleAttachesOneClientThatTypesIntoTheContainer() throws {
        try withDaemon { daemon in
            try daemon.write("talk.xml", daemon.service("talk", script: "trap 'exit 0' TERM; while read line; do echo \"got: $line\"; done"))
            try daemon.start()
            daemon.wait("talk running") { daemon.running("talk") != nil }
            // Ctrl-] (\\035) detaches.
            let shown = try Self.console(daemon, "talk", keys: ["hello\\r", "\\035"])
            #expect(shown.contains("got: hello"), "\(shown)")
            #expect(shown.contains("detached from talk's console"), "\(shown)")
            // The console output is in the log too.
            daemon.wait("the log") { daemon.containerLog("talk").contains("got: hello") }
            #expect(daemon.running("talk") != nil, "detaching leaves the container running")
        }
    }
}

/// The unit file as systemd itself checks it.
@Suite struct SystemdUnitTests {
    static let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: analyze != nil, "systemd-analyze is not installed (Debian package systemd)"))
    func unitsPassSystemdAnalyzeVerify() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL.path
        let unit = try String(contentsOfFile: "\(repository)/systemd/corrald.service", encoding: .utf8)
        let holder = try String(contentsOfFile: "\(repository)/systemd/corral-containers.service", encoding: .utf8)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("corral-unit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Verified against the built corrald, as install.sh would point them at the installed one.
        for (name, text) in [("corrald.service", unit), ("corral-containers.service", holder)] {
            let local = text.replacingOccurrences(of: "/usr/local/bin/corrald", with: ContainerSandbox.buildDirectory + "/corrald")
                .replacingOccurrences(of: "/usr/local/bin/corralctl", with: ContainerSandbox.corralctl)
            try local.write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8)
        }
        let run = try ContainerSandbox.run(try #require(Self.analyze), ["verify", "\(directory)/corrald.service", "\(directory)/corral-containers.service"],
                                           in: directory)
        #expect(run.status == 0, "\(run.output)\(run.errors)")
        #expect(run.errors.isEmpty, "\(run.errors)")
        for setting in ["Type=notify", "KillMode=process", "Delegate=yes", "Restart=on-failure", "Requires=corral-containers.service"] {
            #expect(unit.contains("\n\(setting)\n"), "corrald.service lacks \(setting)")
        }
        #expect(unit.contains("\nAfter=") && unit.contains(" corral-containers.service\n"), "corrald.service must stop before its holder")
        for setting in ["Type=notify", "Delegate=yes", "KillMode=control-group", "Restart=no",
                        "ExecStart=/usr/local/bin/corrald --config /etc/corral/corrald.conf --hold-cgroups"] {
            #expect(holder.contains("\n\(setting)\n"), "corral-containers.service lacks \(setting)")
        }
        // A seccomp filter of the unit would be every container's for good (see the unit's comment).
        let settings = unit.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { $0.split(separator: "=").first.map(String.init) }
        for inherited in ["RestrictAddressFamilies", "SystemCallArchitectures", "SystemCallFilter", "LockPersonality",
                          "RestrictRealtime", "ProtectClock", "MemoryDenyWriteExecute", "RestrictNamespaces", "DeviceAllow"] {
            #expect(!settings.contains(inherited), "\(inherited)= would reach every container")
        }
    }
}
