import CorralDomain
import CorralSupervisor
import CorralTestSupport
import Foundation
import Glibc
import Testing

/// corrald end to end: a real daemon process supervising real containers in temporary
/// directories, driven by files and signals as a user and systemd drive it.
@Suite(.enabled(if: ContainerSandbox.canRunContainers, ContainerSandbox.skipReason))
struct DaemonTests {
    @Test func followsTheDefinitionsDirectory() throws {
        try withDaemon { daemon in
            try daemon.write("web.xml", daemon.service("web"))
            try daemon.start()
            daemon.wait("web running") { daemon.running("web") != nil }
            let first = try #require(daemon.running("web"))

            // The same definition re-indented with a comment: nothing to do.
            let cosmetic = "<!-- reformatted -->\n" + daemon.service("web").replacingOccurrences(of: "\n", with: "\n  ")
            try daemon.write("web.xml", cosmetic)
            // An editor's swap file and a note are not definitions.
            try "<domain".write(toFile: "\(daemon.configDirectory)/.web.xml.swp", atomically: true, encoding: .utf8)
            try "notes".write(toFile: "\(daemon.configDirectory)/README.txt", atomically: true, encoding: .utf8)
            try daemon.write("other.xml", daemon.service("other"))
            daemon.wait("other running") { daemon.running("other") != nil }
            #expect(daemon.running("web") == first, "an unchanged definition must leave its container alone")

            // A real change restarts it.
            try daemon.write("web.xml", daemon.service("web", os: "<initenv name='VERSION'>2</initenv>"))
            daemon.wait("web restarted") { daemon.running("web").map { $0 != first } ?? false }
            let second = try #require(daemon.running("web"))
            #expect(daemon.log.contains("web: \(daemon.configDirectory)/web.xml changed; restarting"))

            // An invalid edit is reported with its line and changes nothing.
            try daemon.write("web.xml", "<domain type='lxc'>\n<name>web</name>\n<os><type>exe</type></os>\n</domain>\n")
            daemon.wait("the error logged") { daemon.log.contains("\(daemon.configDirectory)/web.xml:3: error: <os>: missing <init>") }
            daemon.wait("the warning logged") { daemon.log.contains("web: \(daemon.configDirectory)/web.xml is invalid; the container is left as it was") }
            #expect(daemon.running("web") == second)
            #expect(daemon.running("other") != nil)

            // Removing the file stops the container and forgets it.
            try daemon.remove("web.xml")
            daemon.wait("web removed") { daemon.record("web") == nil && daemon.log.contains("web: removed") }
            #expect(!DaemonHarness.processExists(second))
            #expect(daemon.containerLog("web").contains("web-stopping"), "a graceful stop lets init see the stop signal")
            #expect(daemon.running("other") != nil)
            #expect(!daemon.log.contains("README.txt") && !daemon.log.contains(".swp"))

            daemon.signal(SIGTERM)
            #expect(daemon.waitForExit() == 0)
            #expect(daemon.record("other")?.phase == .stopped)
        }
    }

    /// corrald.conf's keys, a name used twice, editors' files and SIGINT, as the README states them.
    @Test func theConfigurationFileNamesTakenTwiceEditorFilesAndSIGINT() throws {
        try withDaemon { daemon in
            let configuration = "\(daemon.sandbox.directory)/corrald.conf"
            try """
                # every key, the command line naming only this file
                config-dir = \(daemon.configDirectory)
                state-dir = \(daemon.stateDirectory)
                log-dir = \(daemon.logDirectory)   # a trailing comment
                template-dir = \(daemon.sandbox.templates)
                overlay-dir = \(daemon.sandbox.overlays)
                monitor = \(ContainerSandbox.buildDirectory)/corral-monitor
                cgroup-parent = \(daemon.sandbox.cgroupParent)

                """.write(toFile: configuration, atomically: true, encoding: .utf8)
            try daemon.write("a.xml", daemon.service("web"))
            try daemon.write("b.xml", daemon.service("web"))
            for editorFile in ["web.xml~", "#web.xml#", ".web.xml.swp", "web.xml.bak"] {
                try "<domain".write(toFile: "\(daemon.configDirectory)/\(editorFile)", atomically: true, encoding: .utf8)
            }
            try daemon.start(arguments: ["--config", configuration])
            daemon.wait("web running") { daemon.running("web") != nil }
            daemon.wait("the second name refused") {
                daemon.log.contains("\(daemon.configDirectory)/b.xml: error: <name>: 'web' is already the name of the container in \(daemon.configDirectory)/a.xml")
            }
            #expect(!["web.xml~", "#web.xml#", ".swp", ".bak"].contains { daemon.log.contains($0) }, "\(daemon.log)")

            // An unknown key is an error naming the file and the line.
            let wrong = "\(daemon.sandbox.directory)/wrong.conf"
            try "state-dir = \(daemon.stateDirectory)\ncolour = blue\n".write(toFile: wrong, atomically: true, encoding: .utf8)
            let refused = try ContainerSandbox.run(ContainerSandbox.buildDirectory + "/corrald", ["--config", wrong], in: daemon.sandbox.directory)
            #expect(refused.status != 0)
            #expect(refused.errors.contains("\(wrong):2: error: unknown key 'colour'"), "\(refused.errors)")

            // SIGINT is SIGTERM: every container stopped gracefully, then exit 0.
            daemon.signal(SIGINT)
            #expect(daemon.waitForExit() == 0)
            #expect(daemon.record("web")?.phase == .stopped)
            #expect(daemon.containerLog("web").contains("web-stopping"))
        }
    }

    @Test func lifecyclePolicies() throws {
        try withDaemon { daemon in
            let marker = "\(daemon.sandbox.host)/rebooted"
            try daemon.write("off.xml", daemon.service("off", "<on_poweroff>destroy</on_poweroff>", script: "echo bye; exit 0"))
            try daemon.write("crash.xml", daemon.service("crash", "<on_crash>restart</on_crash>"))
            try daemon.write("boot.xml", daemon.sandbox.domain("boot", script: """
                trap 'exit 0' TERM; if [ ! -e /host/rebooted ]; then touch /host/rebooted; reboot -f; fi; echo boot-again; while true; do sleep 1 & wait; done
                """, devices: "<filesystem type='mount'><source dir='\(daemon.sandbox.host)'/><target dir='/host'/></filesystem><console type='pty'/>",
                extra: "<on_reboot>restart</on_reboot>"))
            try daemon.start()

            // init exit 0 → powered off → on_poweroff destroy: stays down.
            daemon.wait("off stopped") { daemon.record("off")?.phase == .stopped }
            #expect(daemon.record("off")?.lastExit == "init exited with status 0 (powered off)")
            daemon.wait("off logged") { daemon.log.contains("off: stopped (init exited with status 0 (powered off))") }

            // `reboot -f` inside → on_reboot restart, at once.
            daemon.wait("boot rebooted and running") { (daemon.record("boot")?.restarts ?? 0) == 1 && daemon.running("boot") != nil }
            #expect(FileManager.default.fileExists(atPath: marker))
            #expect(daemon.record("boot")?.lastExit == "init was killed by signal 1 (rebooted)")
            // "running" is recorded before init has printed; its console reaches the log soon after.
            daemon.wait("boot's second start in its log") { daemon.containerLog("boot").contains("boot-again") }
            #expect(daemon.containerLog("boot").contains("boot-again"))

            // init killed → crashed → on_crash restart, with back-off growing.
            daemon.wait("crash running") { daemon.running("crash") != nil }
            for expected in 1...2 {
                let pid = try #require(daemon.running("crash"))
                kill(pid, SIGKILL)
                daemon.wait("restart \(expected)") { (daemon.record("crash")?.restarts ?? 0) == expected }
                #expect(daemon.record("crash")?.lastExit == "init was killed by signal 9 (crashed)")
                daemon.wait("crash running again") { daemon.running("crash").map { $0 != pid } ?? false }
            }
            #expect(daemon.log.contains("crash: init was killed by signal 9 (crashed); restart 1 in 1 s"))
            #expect(daemon.log.contains("crash: init was killed by signal 9 (crashed); restart 2 in 2 s"))

            // SIGUSR1: one status line per container, in the log and in STATE_DIR/status.
            daemon.signal(SIGUSR1)
            let statusFile = "\(daemon.stateDirectory)/status"
            daemon.wait("status written") { FileManager.default.fileExists(atPath: statusFile) }
            let status = try String(contentsOfFile: statusFile, encoding: .utf8).split(separator: "\n")
            #expect(status.first?.split(separator: " ", omittingEmptySubsequences: true) == ["NAME", "STATE", "PID", "UPTIME", "RESTARTS"])
            #expect(status.dropFirst().map { $0.split(separator: " ").first.map(String.init) ?? "" } == ["boot", "crash", "off"])
            #expect(status.contains { $0.hasPrefix("crash") && $0.contains("running") && $0.hasSuffix("2") })
            #expect(daemon.log.contains("status: off"))

            daemon.signal(SIGTERM)
            #expect(daemon.waitForExit() == 0)
            for name in ["boot", "crash", "off"] { #expect(daemon.record(name)?.phase == .stopped) }
        }
    }

    @Test func keepsContainersAcrossAKilledDaemon() throws {
        try withDaemon { daemon in
            try daemon.write("web.xml", daemon.service("web"))
            try daemon.write("job.xml", daemon.service("job", "<on_crash>restart</on_crash>"))
            try daemon.start()
            daemon.wait("web and job running") { daemon.running("web") != nil && daemon.running("job") != nil }
            let initPID = try #require(daemon.running("web"))
            let jobPID = try #require(daemon.running("job"))

            daemon.signal(SIGKILL)
            #expect(daemon.waitForExit() == 128 + SIGKILL)
            Thread.sleep(forTimeInterval: 0.3)
            #expect(DaemonHarness.processExists(initPID), "the container must outlive corrald")

            try daemon.start()
            daemon.wait("web adopted") { daemon.log.contains("web: adopted its running monitor") }
            #expect(daemon.running("web") == initPID)
            #expect(daemon.running("job") == jobPID)
            // Adopted, a container is supervised as before: its crash still follows on_crash.
            kill(jobPID, SIGKILL)
            daemon.wait("job restarted") { daemon.running("job").map { $0 != jobPID } ?? false }
            daemon.wait("the restart logged") { daemon.log.contains("job: init was killed by signal 9 (crashed); restart 1 in 1 s") }
            daemon.signal(SIGTERM)
            #expect(daemon.waitForExit() == 0)
            #expect(!DaemonHarness.processExists(initPID))
            #expect(daemon.record("web")?.phase == .stopped)
        }
    }

    @Test func tellsSystemdWhenReady() throws {
        try withDaemon { daemon in
            let path = daemon.sandbox.directory + "/notify"
            let socket = try NotifySocket(path: path)
            try daemon.write("web.xml", daemon.service("web"))
            try daemon.start(environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000", "JOURNAL_STREAM": "8:1234"])
            let messages = socket.receive(until: { $0.contains("READY=1") }, seconds: 30)
            #expect(messages.contains { $0.hasPrefix("READY=1\nSTATUS=") }, "\(messages)")
            // The watchdog is pinged at half its interval.
            #expect(socket.receive(until: { $0 == "WATCHDOG=1" }, seconds: 5).contains("WATCHDOG=1"))
            // Under systemd the log lines carry syslog priorities for journald.
            #expect(daemon.log.split(separator: "\n").contains { $0.hasPrefix("<6>web: new definition") }, "\(daemon.log)")
            daemon.signal(SIGTERM)
            #expect(daemon.waitForExit() == 0)
            #expect(socket.receive(until: { $0.contains("STOPPING=1") }, seconds: 5).contains { $0.hasPrefix("STOPPING=1") })
        }
    }

    /// After a boot the page cache holds nothing of corral-monitor: corrald reads its code
    /// before the first spawn (ExecutableWarmup), and the monitor it then starts runs.
    @Test func readsAnUncachedMonitorAheadOfItsFirstSpawn() throws {
        // On the build's disk: a tmpfs page cache (TMPDIR may be one) cannot be dropped.
        let directory = ContainerSandbox.buildDirectory + "/warmup-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let monitor = directory + "/corral-monitor"
        try FileManager.default.copyItem(atPath: ContainerSandbox.buildDirectory + "/corral-monitor", toPath: monitor)
        let descriptor = open(monitor, O_RDONLY)
        try #require(descriptor >= 0)
        try #require(fsync(descriptor) == 0 && posix_fadvise(descriptor, 0, 0, POSIX_FADV_DONTNEED) == 0)
        close(descriptor)
        try withDaemon { daemon in
            try daemon.write("web.xml", daemon.service("web"))
            var arguments = daemon.arguments
            let index = try #require(arguments.firstIndex(of: "--monitor"))
            arguments[index + 1] = monitor
            try daemon.start(arguments: arguments)
            daemon.wait("web running") { daemon.running("web") != nil }
            #expect(daemon.log.contains("\(monitor): read "), "\(daemon.log)")
            #expect(daemon.log.contains("KiB of its code into the page cache, which did not hold it"))
        }
    }
}

/// A unix datagram socket standing in for systemd's notify socket.
final class NotifySocket {
    let descriptor: Int32

    init(path: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { bytes in
            for (index, byte) in path.utf8.enumerated() { bytes[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0, "bind \(path): \(errnoText(errno))")
    }

    deinit { close(descriptor) }

    /// Messages received until one satisfies `done` or the time is up.
    func receive(until done: (String) -> Bool, seconds: Double) -> [String] {
        var messages: [String] = []
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 100) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { continue }
            let message = String(decoding: buffer[0..<count], as: UTF8.self)
            messages.append(message)
            if done(message) { break }
        }
        return messages
    }
}

extension DaemonTests {
    /// A definition that parses but cannot start is a crash: logged with its cause, and its
    /// record keeps the problem for `corralctl status`.
    @Test func aContainerThatCannotStartSaysWhy() throws {
        try withDaemon { daemon in
            var definition = daemon.service("broken")
            definition = definition.replacingOccurrences(of: "<init>/bin/sh</init>", with: "<init>/bin/nonexistent</init>")
            try daemon.write("broken.xml", definition)
            try daemon.start()
            daemon.wait("the failure logged") {
                daemon.log.contains("broken: stopped (init exited with status 125 (crashed)): cannot start: execve '/bin/nonexistent' (<init>): No such file or directory")
            }
            #expect(daemon.record("broken")?.message == "cannot start: execve '/bin/nonexistent' (<init>): No such file or directory")
        }
    }
}
