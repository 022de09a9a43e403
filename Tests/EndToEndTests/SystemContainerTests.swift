import CorralSupervisor
import CorralTestSupport
import Foundation
import Testing

/// An unmodified Debian 12 with systemd as init (scripts/debian-rootfs.sh, cached outside the
/// repository) boots to multi-user.target with no failed unit and a working journal, and shuts
/// down through systemd's own shutdown — under `corralctl run` and under corrald.
@Suite(.enabled(if: ContainerSandbox.canRunContainers, ContainerSandbox.skipReason),
       .enabled(if: !DebianRootfs.built.unreachable, "the Debian archive cannot be reached: no Debian rootfs to boot"),
       .serialized)
struct SystemContainerTests {
    static var debian: (path: String?, problem: String, unreachable: Bool) { DebianRootfs.built }

    /// A unit, loaded from /etc/systemd/system.control (bound from the host, so the cached
    /// rootfs stays as debootstrap made it), that reports on the boot to the console once
    /// multi-user.target is reached, then powers off — or reboots, once, when told to.
    static func writeCheck(into directory: String, rebootOnce: Bool, powerOff: Bool = true) throws {
        try FileManager.default.createDirectory(atPath: "\(directory)/multi-user.target.wants", withIntermediateDirectories: true)
        let reboot = rebootOnce
            ? "if [ ! -e /etc/systemd/system.control/rebooted ]; then touch /etc/systemd/system.control/rebooted; echo check: rebooting; systemctl reboot --no-block; exit 0; fi;"
            : ""
        let power = rebootOnce || !powerOff ? "" : "systemctl poweroff --no-block"
        try """
            [Unit]
            Description=Corral boot check
            After=multi-user.target

            [Service]
            Type=oneshot
            ExecStart=/bin/sh -c '\(reboot) echo "check: multi-user $(systemctl is-active multi-user.target)"; echo "check: failed-units $(systemctl --failed --no-legend | wc -l)"; echo "check: journald $(systemctl is-active systemd-journald)"; echo "check: journal-lines $(journalctl -b --no-pager | wc -l)"; \(power)'
            StandardOutput=tty
            TTYPath=/dev/console

            [Install]
            WantedBy=multi-user.target
            """.write(toFile: "\(directory)/corral-check.service", atomically: true, encoding: .utf8)
        let link = "\(directory)/multi-user.target.wants/corral-check.service"
        try? FileManager.default.removeItem(atPath: link)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "../corral-check.service")
        // getty@ttyN on a container's further consoles: systemd's unit looks for the VT
        // subsystem (/dev/tty0), which no container has; LXC users make the same drop-in.
        try FileManager.default.createDirectory(atPath: "\(directory)/getty@.service.d", withIntermediateDirectories: true)
        try """
            [Unit]
            ConditionPathExists=
            ConditionPathExists=/dev/%I
            """.write(toFile: "\(directory)/getty@.service.d/corral-tty.conf", atomically: true, encoding: .utf8)
    }

    static func definition(_ name: String, root: String, check: String, extra: String = "", consoles: Int = 1) -> String {
        """
        <domain type='lxc'>
          <name>\(name)</name>
          <uuid>8369f1ac-7e46-e869-4ca5-759d51478066</uuid>
          <memory unit='MiB'>512</memory>
          <os><type>exe</type><init>/sbin/init</init></os>
          <on_poweroff>destroy</on_poweroff>
          <on_reboot>restart</on_reboot>
          \(extra)
          <devices>
            \(root)
            <filesystem type='mount'><source dir='\(check)'/><target dir='/etc/systemd/system.control'/></filesystem>
            \(String(repeating: "<console type='pty'/>", count: consoles))
          </devices>
        </domain>
        """
    }

    static func expectHealthyBoot(_ console: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for line in ["check: multi-user active", "check: failed-units 0", "check: journald active"] {
            #expect(console.contains(line), "missing '\(line)' in the console:\n\(console.suffix(3000))", sourceLocation: sourceLocation)
        }
        let journal = console.split(whereSeparator: \.isNewline).first { $0.contains("check: journal-lines") }
            .flatMap { Int($0.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") } ?? 0
        #expect(journal > 10, "the journal has \(journal) lines", sourceLocation: sourceLocation)
        #expect(!console.contains("FAILED"), "a unit failed:\n\(console.suffix(3000))", sourceLocation: sourceLocation)
    }

    @Test(arguments: ["mount", "template"])
    func bootsAndPowersOffUnderCorralctlRun(rootType: String) throws {
        let rootfs = try #require(Self.debian.path, "cannot build the Debian rootfs: \(Self.debian.problem)")
        try ContainerSandbox.with { sandbox in
            let check = "\(sandbox.host)/check"
            try Self.writeCheck(into: check, rebootOnce: false)
            let root: String
            if rootType == "template" {
                try FileManager.default.createSymbolicLink(atPath: "\(sandbox.templates)/debian", withDestinationPath: rootfs)
                root = "<filesystem type='template'><source name='debian'/><target dir='/'/></filesystem>"
            } else {
                root = "<filesystem type='mount'><source dir='\(rootfs)'/><target dir='/'/></filesystem>"
            }
            let run = try sandbox.run(Self.definition("debian-\(rootType)", root: root, check: check))
            Self.expectHealthyBoot(run.output)
            #expect(run.output.contains("Reached target") && run.output.contains("System Power Off"), "\(run.output.suffix(1500))")
            // systemctl poweroff → reboot(2) in a PID namespace → init killed by SIGINT: powered off.
            #expect(run.status == 128 + SIGINT || run.status == 0, "\(run.errors)")
        }
    }

    @Test func bootsRebootsAndShutsDownUnderCorrald() throws {
        let rootfs = try #require(Self.debian.path, "cannot build the Debian rootfs: \(Self.debian.problem)")
        try ContainerSandbox.with { sandbox in
            let daemon = try DaemonHarness(sandbox)
            defer { daemon.shutDown() }
            let check = "\(sandbox.host)/check"
            try Self.writeCheck(into: check, rebootOnce: true)
            try daemon.write("debian.xml", Self.definition("debian", root: "<filesystem type='mount'><source dir='\(rootfs)'/><target dir='/'/></filesystem>",
                                                           check: check, consoles: 2))
            try daemon.start()
            // The check reboots once (on_reboot restart), then reports on the second boot.
            daemon.wait("the reboot", seconds: 120) { (daemon.record("debian")?.restarts ?? 0) == 1 }
            #expect(daemon.record("debian")?.lastExit == "init was killed by signal 1 (rebooted)")
            daemon.wait("the second boot's report", seconds: 120) { daemon.containerLog("debian").contains("check: journal-lines") }
            Self.expectHealthyBoot(daemon.containerLog("debian"))
            #expect(daemon.running("debian") != nil)

            // Its console reaches the getty systemd starts on /dev/console.
            let shown = try CorralctlDaemonTests.console(daemon, "debian", keys: ["\\r", "\\035"], pause: 1.5)
            #expect(shown.contains("login:"), "\(shown)")
            // Its second console is /dev/tty1, where systemd's getty@tty1 runs.
            let tty1 = try CorralctlDaemonTests.console(daemon, "debian", tty: 1, keys: ["\\r", "\\035"], pause: 1.5)
            #expect(tty1.contains("attached to debian's /dev/tty1") && tty1.contains("login:"), "\(tty1)")
            let tty1Log = (try? String(contentsOfFile: "\(daemon.logDirectory)/debian.tty1.log", encoding: .utf8)) ?? ""
            #expect(tty1Log.contains("corral-debian login:"), "agetty's prompt on tty1, logged apart: \(tty1Log)")

            // SIGTERM to corrald: SIGRTMIN+3 to systemd, which shuts down by itself in time.
            daemon.signal(SIGTERM)
            #expect(daemon.waitForExit(seconds: 60) == 0)
            let log = daemon.containerLog("debian")
            #expect(log.contains("[corral] stopping: SIGRTMIN+3 to init"), "\(log.suffix(2000))")
            #expect(log.contains("Reached target") && log.contains("System Power Off") || log.contains("Halting system"), "\(log.suffix(2000))")
            #expect(!log.contains("did not stop within"), "systemd must shut down by itself, not by SIGKILL")
            #expect(daemon.record("debian")?.lastExit?.contains("signal 9") == false)
        }
    }
}

extension SystemContainerTests {
    /// With a bridged interface and an address, under corrald: it boots with no failed unit
    /// and answers from the host side of its bridge (a network namespace of the test's own).
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip"), "needs ip(8) (iproute2) for the test's namespace"))
    func bootsWithABridgedInterfaceUnderCorrald() throws {
        let rootfs = try #require(Self.debian.path, "cannot build the Debian rootfs: \(Self.debian.problem)")
        try ContainerSandbox.with { sandbox in
            let network = try TestNetwork(in: sandbox.directory)
            try network.bridge("br0", address: "10.88.0.1/24")
            let daemon = try DaemonHarness(sandbox)
            defer { daemon.shutDown() }
            let check = "\(sandbox.host)/check"
            try Self.writeCheck(into: check, rebootOnce: false, powerOff: false)
            let interface = "<interface type='bridge'><source bridge='br0'/><ip address='10.88.0.2' prefix='24'/><route address='0.0.0.0' gateway='10.88.0.1'/></interface>"
            try daemon.write("debian.xml", Self.definition("debian", root: "<filesystem type='mount'><source dir='\(rootfs)'/><target dir='/'/></filesystem>\(interface)",
                                                           check: check))
            try daemon.start(networkNamespace: network.name)
            daemon.wait("the boot's report", seconds: 120) { daemon.containerLog("debian").contains("check: journal-lines") }
            Self.expectHealthyBoot(daemon.containerLog("debian"))
            let ping = try network.exec(["/bin/busybox", "ping", "-c", "1", "-W", "2", "10.88.0.2"])
            #expect(ping.status == 0, "the container answers from its bridge: \(ping.output)\(ping.errors)")
            daemon.signal(SIGTERM)
            #expect(daemon.waitForExit(seconds: 60) == 0)
            #expect(try network.waitForNoLink(startingWith: "vc-debian"), "\(network.shownLinks)")
        }
    }
}

/// The Debian rootfs, built once per test run: nil with the reason; `unreachable` (exit 2 of
/// the script) skips the system container tests, any other failure fails them.
enum DebianRootfs {
    static let built: (path: String?, problem: String, unreachable: Bool) = {
        guard ContainerSandbox.canRunContainers else { return (nil, "not root", false) }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/debian-rootfs.sh")
            .standardizedFileURL.path
        do {
            // debootstrap takes a minute or two on a machine that has no cached rootfs yet.
            let run = try ContainerSandbox.run(script, [], in: "/tmp", timeout: 900)
            let path = run.output.trimmingCharacters(in: .whitespacesAndNewlines)
            return run.status == 0 && !path.isEmpty ? (path, "", false) : (nil, run.errors, run.status == 2)
        } catch {
            return (nil, "\(error)", false)
        }
    }()
}
