import CorralDomain
import CorralTestSupport
import Foundation
import Testing

/// Starts and stops that a careless user or a hostile container could make hang, die silently
/// or leave things behind: each ends with a clear error (125 for a start) or within its stop
/// timeout, and leaves nothing on the host.
@Suite(.enabled(if: ContainerSandbox.canRunContainers, ContainerSandbox.skipReason))
struct RobustnessTests {
    /// SIGTERM to `process`: true when it ends within 30 s; SIGKILL otherwise. Reaped either way.
    static func endsOnSIGTERM(_ process: Process) -> Bool {
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let ended = !process.isRunning
        if !ended { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return ended
    }

    @Test func aFifoAtTheContainersGroupFileIsAnErrorNotAHang() throws {
        try ContainerSandbox.with { sandbox in
            for file in ["passwd", "group"] {
                try FileManager.default.removeItem(atPath: "\(sandbox.rootfs)/etc/\(file)")
                #expect(mkfifo("\(sandbox.rootfs)/etc/\(file)", 0o644) == 0)
            }
            let run = try sandbox.run(sandbox.domain("fifo", script: "true", os: "<inituser>app</inituser><initgroup>app</initgroup>"))
            #expect(run.status == 125)
            #expect(run.errors == "fifo: cannot start: '/etc/group' in the container is not a regular file (<initgroup> cannot be looked up)\n")
        }
    }

    /// A FIFO where a filesystem's source should be: refused at once (never opened blocking).
    static func expectFifoRefused(_ sandbox: ContainerSandbox, _ name: String, filesystem: (String) -> String,
                                  message: (String) -> String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let fifo = "\(sandbox.directory)/\(name)"
        #expect(mkfifo(fifo, 0o644) == 0, sourceLocation: sourceLocation)
        let run = try sandbox.run(sandbox.domain(name, script: "true", devices: filesystem(fifo)))
        #expect(run.status == 125, sourceLocation: sourceLocation)
        #expect(run.errors == "\(name): cannot start: \(message(fifo))\n", sourceLocation: sourceLocation)
    }

    @Test func aFifoOrGarbageAsAnImageIsAnError() throws {
        try ContainerSandbox.with { sandbox in
            try Self.expectFifoRefused(sandbox, "fifo-image", filesystem: { "<filesystem type='file'><source file='\($0)'/><target dir='/data'/></filesystem>" },
                                       message: { "image '\($0)' is not a regular file" })
            let garbage = "\(sandbox.directory)/garbage.img"
            try Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: URL(fileURLWithPath: garbage))
            let viaGarbage = try sandbox.run(sandbox.domain("garbage", script: "true", devices: """
                <filesystem type='file'><driver format='ext4'/><source file='\(garbage)'/><target dir='/data'/></filesystem>
                """))
            #expect(viaGarbage.status == 125, "not killed by SIGPIPE: \(viaGarbage.errors)")
            #expect(viaGarbage.errors.hasPrefix("garbage: cannot start: mount '\(garbage)' on '/data' (ext4): fsconfig FSCONFIG_CMD_CREATE: "),
                    "the exact call: \(viaGarbage.errors)")
        }
    }

    @Test func aWritableImageHasOneContainerAtATime() throws {
        try ContainerSandbox.with { sandbox in
            let image = try FilesystemTypeTests.ext4Image(sandbox, named: "shared", containing: "x\n")
            let filesystem = { (readOnly: Bool) in
                "<filesystem type='file'><source file='\(image)'/><target dir='/data'/>\(readOnly ? "<readonly/>" : "")</filesystem>"
            }
            // The first holder runs until the test removes the file it waits for.
            let release = "\(sandbox.directory)/release"
            try Data().write(to: URL(fileURLWithPath: release))
            try FileManager.default.createDirectory(atPath: "\(sandbox.rootfs)/host", withIntermediateDirectories: true)
            let holder = try sandbox.start(sandbox.domain("holder", script: "while [ -e /host/release ]; do sleep 0.05; done", devices: """
                \(filesystem(false))
                <filesystem type='mount'><source dir='\(sandbox.directory)'/><target dir='/host'/></filesystem>
                """), name: "holder")
            defer {
                try? FileManager.default.removeItem(atPath: release)
                holder.waitUntilExit()
            }
            // Attached once a loop device is backed by the image.
            ContainerSandbox.waitUntil { !sandbox.loopDevicesBacked().isEmpty }
            try #require(!sandbox.loopDevicesBacked().isEmpty, "the first container never attached the image")
            for readOnly in [false, true] {
                let second = try sandbox.run(sandbox.domain("second", script: "true", devices: filesystem(readOnly)))
                #expect(second.status == 125)
                #expect(second.errors.hasPrefix("second: cannot start: image '\(image)' is in use by container 'holder' (/dev/loop"),
                        "\(second.errors)")
            }
        }
    }

    @Test func aWritableBlockDeviceHasOneContainerAtATimeAndAFifoIsNoDevice() throws {
        try ContainerSandbox.with { sandbox in
            try Self.expectFifoRefused(sandbox, "fifo-device", filesystem: { "<filesystem type='block'><source dev='\($0)'/><target dir='/data'/></filesystem>" },
                                       message: { "'\($0)' (<filesystem type='block'>) is not a block device" })

            let image = try FilesystemTypeTests.ext4Image(sandbox, named: "disk", containing: "x\n")
            let attach = try ContainerSandbox.run("/sbin/losetup", ["--find", "--show", image], in: sandbox.directory)
            let device = attach.output.trimmingCharacters(in: .whitespacesAndNewlines)
            try #require(attach.status == 0 && device.hasPrefix("/dev/loop"), "losetup: \(attach.errors)")
            defer { _ = try? ContainerSandbox.run("/sbin/losetup", ["-d", device], in: sandbox.directory) }
            let release = "\(sandbox.directory)/release"
            try Data().write(to: URL(fileURLWithPath: release))
            try FileManager.default.createDirectory(atPath: "\(sandbox.rootfs)/host", withIntermediateDirectories: true)
            let holder = try sandbox.start(sandbox.domain("holder", script: "touch /host/holding; while [ -e /host/release ]; do sleep 0.05; done",
                devices: """
                <filesystem type='block'><source dev='\(device)'/><target dir='/data'/></filesystem>
                <filesystem type='mount'><source dir='\(sandbox.directory)'/><target dir='/host'/></filesystem>
                """), name: "holder")
            defer {
                try? FileManager.default.removeItem(atPath: release)
                holder.waitUntilExit()
            }
            ContainerSandbox.waitUntil({ FileManager.default.fileExists(atPath: "\(sandbox.directory)/holding") }, while: { holder.isRunning })
            try #require(FileManager.default.fileExists(atPath: "\(sandbox.directory)/holding"), "the first container never ran")
            let second = try sandbox.run(sandbox.domain("second", script: "true", devices: """
                <filesystem type='block'><source dev='\(device)'/><target dir='/data'/><readonly/></filesystem>
                """))
            #expect(second.status == 125)
            #expect(second.errors == "second: cannot start: block device '\(device)' is in use by another container read-write; "
                + "a writable device has one user at a time\n", "\(second.errors)")
        }
    }

    /// SIGKILL of `corralctl run` takes its container with it (parent-death signal); the next
    /// start of the same name reclaims the cgroups and staging directory it left.
    @Test func aKilledLauncherLeavesNothingTheNextStartDoesNotReclaim() throws {
        try ContainerSandbox.with { sandbox in
            try FileManager.default.createDirectory(atPath: "\(sandbox.rootfs)/host", withIntermediateDirectories: true)
            let host = "<filesystem type='mount'><source dir='\(sandbox.directory)'/><target dir='/host'/></filesystem>"
            let launcher = try sandbox.start(sandbox.domain("again", script: "touch /host/up; sleep 1000", devices: host), name: "again")
            ContainerSandbox.waitUntil({ FileManager.default.fileExists(atPath: "\(sandbox.directory)/up") }, while: { launcher.isRunning })
            try #require(FileManager.default.fileExists(atPath: "\(sandbox.directory)/up"))
            kill(launcher.processIdentifier, SIGKILL)
            launcher.waitUntilExit()
            ContainerSandbox.waitUntil { sandbox.processesRootedHere().isEmpty }
            #expect(sandbox.processesRootedHere().isEmpty, "the container died with its launcher")
            let leftovers = CgroupTests.cgroupDirectories("again", parent: sandbox.cgroupParent).filter { FileManager.default.fileExists(atPath: $0) }
            #expect(!leftovers.isEmpty, "a killed launcher cannot clean up: the next start must")
            let run = try sandbox.run(sandbox.domain("again", script: "echo again", devices: host))
            #expect(run.output == "again\n", "\(run.errors)")
            CgroupTests.expectNoCgroup("again", in: sandbox)
        }
    }

    /// An init that cleared its parent-death signal outlives a launcher killed with SIGKILL;
    /// the next start of its name finds the launcher gone, kills it and starts afresh.
    @Test func anOrphanedContainerIsReclaimedByTheNextStart() throws {
        try ContainerSandbox.with { sandbox in
            try sandbox.installSyscallProbe()
            try FileManager.default.createDirectory(atPath: "\(sandbox.rootfs)/host", withIntermediateDirectories: true)
            // With a writable image, which the orphan holds until it is gone.
            let image = try FilesystemTypeTests.ext4Image(sandbox, named: "orphan", containing: "x\n")
            let host = "<filesystem type='mount'><source dir='\(sandbox.directory)'/><target dir='/host'/></filesystem>"
                + "<filesystem type='file'><source file='\(image)'/><target dir='/data'/></filesystem>"
            let launcher = try sandbox.start(sandbox.domain("orphan", script: "touch /host/up; exec /bin/probe no-parent-death-signal /bin/sleep 1000",
                                                         devices: host), name: "orphan")
            ContainerSandbox.waitUntil({ FileManager.default.fileExists(atPath: "\(sandbox.directory)/up") }, while: { launcher.isRunning })
            try #require(FileManager.default.fileExists(atPath: "\(sandbox.directory)/up"))
            // Until sleep runs, the parent-death signal may still be set: wait for it.
            let sleeping = { sandbox.processesRootedHere().contains { pid in
                ((try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? "") == "sleep\n" } }
            ContainerSandbox.waitUntil(sleeping)
            kill(launcher.processIdentifier, SIGKILL)
            launcher.waitUntilExit()
            #expect(!sandbox.processesRootedHere().isEmpty, "the orphan outlived its launcher (what this test is about)")
            let run = try sandbox.run(sandbox.domain("orphan", script: "echo fresh", devices: host))
            #expect(run.output == "fresh\n", "\(run.errors)")
            ContainerSandbox.waitUntil { sandbox.processesRootedHere().isEmpty }
            CgroupTests.expectNoCgroup("orphan", in: sandbox)
        }
    }

    /// The state directory's files are read without blocking and only when regular: a FIFO or
    /// a link to /dev/zero in a record's place is ignored, never waited on or read forever.
    @Test func hostileStateFilesNeitherHangNorFloodAStart() throws {
        try ContainerSandbox.with { sandbox in
            try FileManager.default.createDirectory(atPath: sandbox.state, withIntermediateDirectories: true)
            #expect(mkfifo("\(sandbox.state)/fifo.launcher", 0o644) == 0)
            try FileManager.default.createSymbolicLink(atPath: "\(sandbox.state)/zero.launcher", withDestinationPath: "/dev/zero")
            for name in ["fifo", "zero"] {
                let run = try sandbox.run(sandbox.domain(name, script: "echo \(name)-ran"))
                #expect(run.output == "\(name)-ran\n", "\(run.errors)")
            }
        }
    }

    @Test func aNonRawImageAndANonEmptyStagingDirectoryAreRefused() throws {
        try ContainerSandbox.with { sandbox in
            let image = try FilesystemTypeTests.ext4Image(sandbox, named: "q", containing: "x\n")
            let qcow = try sandbox.run(sandbox.domain("qcow", script: "true", devices: """
                <filesystem type='file'><driver type='loop' format='qcow2'/><source file='\(image)'/><target dir='/data'/></filesystem>
                """))
            #expect(qcow.status == 125)
            #expect(qcow.errors.contains("<filesystem type='file'> on '/data': format 'qcow2' cannot be attached"), "\(qcow.errors)")
            try FileManager.default.createDirectory(atPath: "\(sandbox.state)/full.root/something", withIntermediateDirectories: true)
            let full = try sandbox.run(sandbox.domain("full", script: "true"))
            #expect(full.status == 125)
            #expect(full.errors == "full: cannot start: staging directory '\(sandbox.state)/full.root' is not empty; remove what is in it\n")
            try FileManager.default.removeItem(atPath: "\(sandbox.state)/full.root")
        }
    }

    /// Input for a console nobody reads is dropped once the pty is full: the monitor keeps
    /// serving, and the container ends as it would.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a pty"))
    func unreadConsoleInputNeverBlocksTheMonitor() throws {
        try ContainerSandbox.with { sandbox in
            let file = "\(sandbox.directory)/deaf.xml"
            let started = "\(sandbox.directory)/typed"
            try sandbox.domain("deaf", script: "while [ ! -e /host/typed ]; do sleep 0.05; done; echo deaf-done", devices: """
                <filesystem type='mount'><source dir='\(sandbox.directory)'/><target dir='/host'/></filesystem>
                """).write(toFile: file, atomically: true, encoding: .utf8)
            try FileManager.default.createDirectory(atPath: "\(sandbox.rootfs)/host", withIntermediateDirectories: true)
            // 256 KiB typed at the container's terminal, then the container is told to end.
            let input = "\(sandbox.directory)/input"
            try Data(repeating: UInt8(ascii: "y"), count: 256 * 1024).write(to: URL(fileURLWithPath: input))
            let command = "\(ContainerSandbox.corralctl) run \(file) --state-dir \(sandbox.state) --cgroup-parent \(sandbox.cgroupParent)"
            let run = try ContainerSandbox.run("/bin/sh", ["-c", "(cat \(input); touch \(started)) | script -q -e -c '\(command)' /dev/null"],
                                               in: sandbox.directory)
            #expect(run.output.contains("deaf-done"), "\(run.output.suffix(300)) \(run.errors)")
        }
    }

    /// A setup blocked for good — here a bind source behind a FUSE filesystem whose server never
    /// answers — still ends on SIGTERM: 125, the reason, nothing left.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/fuse"), "needs /dev/fuse (a FUSE filesystem that never answers)"))
    func aStopEndsASetupThatHangs() throws {
        try ContainerSandbox.with { sandbox in
            let hang = "\(sandbox.rootfs)/hang"
            try FileManager.default.createDirectory(atPath: hang, withIntermediateDirectories: true)
            let fuse = open("/dev/fuse", O_RDWR | O_CLOEXEC)
            try #require(fuse >= 0, "open /dev/fuse: \(errnoText(errno))")
            try #require(mount("corral-test-hang", hang, "fuse", UInt(MS_NOSUID | MS_NODEV),
                               "fd=\(fuse),rootmode=40000,user_id=0,group_id=0") == 0, "mount fuse: \(errnoText(errno))")
            defer {
                umount2(hang, Int32(MNT_DETACH))
                close(fuse)
            }
            let file = "\(sandbox.directory)/hung.xml"
            try sandbox.domain("hung", script: "true", devices: "<filesystem type='bind'><source dir='/hang/x'/><target dir='/srv'/></filesystem>")
                .write(toFile: file, atomically: true, encoding: .utf8)
            let errors = "\(sandbox.directory)/hung.errors"
            try #require(FileManager.default.createFile(atPath: errors, contents: nil))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ContainerSandbox.corralctl)
            process.arguments = ["run", file, "--state-dir", sandbox.state, "--cgroup-parent", sandbox.cgroupParent]
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
            try process.run()
            // Once init exists the launcher reads its stop requests from a signalfd.
            let hasChild = { () -> Bool in
                ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).contains { pid in
                    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
                    return stat.split(separator: ")").last?.split(separator: " ").dropFirst(1).first == Substring(String(process.processIdentifier))
                }
            }
            ContainerSandbox.waitUntil({ hasChild() }, while: { process.isRunning })
            #expect(Self.endsOnSIGTERM(process), "the stop never ended the setup")
            #expect(process.terminationStatus == 125)
            #expect(try String(contentsOfFile: errors, encoding: .utf8) == "hung: cannot start: stopped during setup (SIGTERM)\n")
        }
    }

    /// A container that freezes itself (v1 freezer, or cgroup2's cgroup.freeze) still stops.
    @Test(arguments: ["v1", "v2"])
    func aContainerThatFreezesItselfStillStops(freezer: String) throws {
        let hasV1Freezer = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/freezer/freezer.state")
            || FileManager.default.fileExists(atPath: "/sys/fs/cgroup/freezer/cgroup.procs")
        guard freezer == "v2" || hasV1Freezer else { return }
        try ContainerSandbox.with { sandbox in
            let freeze = freezer == "v1"
                ? "mkdir -p /tmp/f && mount -t cgroup -o freezer none /tmp/f && mkdir /tmp/f/ice && echo $$ > /tmp/f/ice/cgroup.procs && echo FROZEN > /tmp/f/ice/freezer.state"
                : "mkdir /sys/fs/cgroup/ice && echo $$ > /sys/fs/cgroup/ice/cgroup.procs && echo 1 > /sys/fs/cgroup/ice/cgroup.freeze"
            let process = try sandbox.start(sandbox.domain("ice", script: "trap '' TERM; \(freeze); sleep 1000", devices: """
                <filesystem type='ram'><source usage='1' units='MiB'/><target dir='/tmp'/></filesystem>
                """, extra: "<metadata><c:container xmlns:c='https://corral.dev/xmlns/container/1'><c:stop timeout='1'/></c:container></metadata>"),
                name: "ice")
            // Frozen once the container's own cgroup says so, seen from the host.
            let frozen = { () -> Bool in
                let state = freezer == "v1" ? "freezer.state" : "cgroup.events"
                let roots = freezer == "v1" ? ["/sys/fs/cgroup/freezer"] : ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"]
                return roots.contains { root in
                    let text = (try? String(contentsOfFile: "\(root)/\(sandbox.cgroupParent)/ice/payload/ice/\(state)", encoding: .utf8)) ?? ""
                    return text.contains("FROZEN") || text.contains("frozen 1")
                }
            }
            ContainerSandbox.waitUntil({ frozen() }, while: { process.isRunning })
            #expect(frozen(), "the container never froze itself")
            // Ends within its stop timeout (the harness would record a hang after a minute).
            #expect(Self.endsOnSIGTERM(process), "the stop never ended")
        }
    }

    /// A stop kills the whole cgroup, not only what the PID namespace holds: a host process
    /// moved into the container's cgroup (a v1 hierarchy only, or cgroup2 only) dies with it,
    /// and the cgroups are removed.
    @Test(arguments: ["v1", "v2"])
    func aProcessTheContainerDoesNotOwnDiesOnStop(hierarchy: String) throws {
        try ContainerSandbox.with { sandbox in
            let container = try sandbox.start(sandbox.domain("joined", script: "trap 'exit 0' TERM; while true; do sleep 1 & wait; done"),
                                              name: "joined")
            let roots = hierarchy == "v1" ? ["freezer", "pids", "memory", "devices"].map { "/sys/fs/cgroup/\($0)" }
                                          : ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"]
            let payload = { roots.map { "\($0)/\(sandbox.cgroupParent)/joined/payload" }
                .first { FileManager.default.fileExists(atPath: "\($0)/cgroup.procs") } }
            ContainerSandbox.waitUntil({ payload() != nil }, while: { container.isRunning })
            guard let directory = payload() else {
                kill(container.processIdentifier, SIGKILL)
                container.waitUntilExit()
                // A pure v1 or pure v2 host has no cgroup of the other kind to test.
                #expect(hierarchy == "v1" && !FileManager.default.fileExists(atPath: "/sys/fs/cgroup/pids/cgroup.procs")
                        || hierarchy == "v2" && !FileManager.default.fileExists(atPath: "/sys/fs/cgroup/unified/cgroup.procs")
                            && !FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.procs"), "no payload cgroup in \(roots)")
                return
            }
            try ContainerSandbox.withBackgroundProcess { stranger in
                try "\(stranger.processIdentifier)\n".write(toFile: "\(directory)/cgroup.procs", atomically: false, encoding: .utf8)
                kill(container.processIdentifier, SIGTERM)
                container.waitUntilExit()
                ContainerSandbox.waitUntil({ !stranger.isRunning })
                #expect(!stranger.isRunning, "the host process moved into \(directory) outlived the stop")
                #expect(!stranger.isRunning && stranger.terminationReason == .uncaughtSignal && stranger.terminationStatus == SIGKILL)
                #expect(!FileManager.default.fileExists(atPath: directory), "the container's cgroup was removed")
            }
        }
    }
}
