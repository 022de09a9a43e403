import Foundation
import Testing

/// A temporary world for real containers: a busybox rootfs built from Debian's busybox-static,
/// template, overlay and state directories, and host directories to mount. Everything lives
/// under one directory that `remove()` deletes; `checkNothingLeaked()` proves that a container
/// left no mount, loop device, process or staging directory behind.
public final class ContainerSandbox: @unchecked Sendable {
    public static let busybox = "/bin/busybox"
    public static var isRoot: Bool { getuid() == 0 }
    public static var canRunContainers: Bool { isRoot && FileManager.default.isExecutableFile(atPath: busybox) }
    public static let skipReason: Comment = "needs root (namespaces, mounts, loop devices) and busybox-static; scripts/test.sh provides both"

    /// The built executables sit beside the test runner in .build/<configuration>/.
    public static let buildDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    public static let corralctl = buildDirectory + "/corralctl"

    public let directory: String
    public var rootfs: String { directory + "/rootfs" }
    public var templates: String { directory + "/templates" }
    public var overlays: String { directory + "/overlays" }
    public var state: String { directory + "/state" }
    public var host: String { directory + "/host" }
    /// Cgroups are host-wide: each sandbox's containers live under a parent of their own, so
    /// tests running side by side never share one.
    public var cgroupParent: String { directory.split(separator: "/").last.map(String.init) ?? "corral-test-sandbox" }

    /// Runs `body` in a fresh sandbox, then checks for leaks and removes the sandbox.
    public static func with(_ body: (ContainerSandbox) throws -> Void) throws {
        let sandbox = try ContainerSandbox()
        defer { sandbox.remove() }
        try body(sandbox)
        try sandbox.checkNothingLeaked()
    }

    public init() throws {
        directory = "/tmp/corral-test-" + UUID().uuidString.prefix(8).lowercased()
        for path in [rootfs, templates, overlays, state, host] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        try ContainerSandbox.buildBusyboxRootfs(at: rootfs)
    }

    /// A minimal root: busybox and its applets, the directories the runtime mounts on, and
    /// /etc/passwd and /etc/group with root and one user for <inituser> tests.
    public static func buildBusyboxRootfs(at rootfs: String) throws {
        let manager = FileManager.default
        for directory in ["bin", "etc", "proc", "sys", "dev", "tmp", "srv", "root"] {
            try manager.createDirectory(atPath: "\(rootfs)/\(directory)", withIntermediateDirectories: true)
        }
        try manager.copyItem(atPath: busybox, toPath: "\(rootfs)/bin/busybox")
        let applets = try ContainerSandbox.output(of: busybox, ["--list"]).split(separator: "\n")
        for applet in applets where applet != "busybox" {
            try manager.createSymbolicLink(atPath: "\(rootfs)/bin/\(applet)", withDestinationPath: "busybox")
        }
        try "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:app:/srv:/bin/sh\n"
            .write(toFile: "\(rootfs)/etc/passwd", atomically: true, encoding: .utf8)
        try "root:x:0:\nstaff:x:50:\napp:x:1001:\n".write(toFile: "\(rootfs)/etc/group", atomically: true, encoding: .utf8)
    }

    public struct Run {
        public let status: Int32
        public let output: String
        public let errors: String
    }

    /// A definition whose init is `/bin/sh -c script`.
    public func domain(_ name: String, script: String, root: String? = "mount", devices: String = "", os: String = "",
                extra: String = "") -> String {
        let rootFilesystem: String
        switch root {
        case "mount": rootFilesystem = "<filesystem type='mount'><source dir='\(rootfs)'/><target dir='/'/></filesystem>"
        case nil: rootFilesystem = ""
        case let custom?: rootFilesystem = custom
        }
        return """
            <domain type='lxc'>
              <name>\(name)</name>
              <os>
                <type>exe</type>
                <init>/bin/sh</init>
                <initarg>-c</initarg>
                <initarg>\(escape(script))</initarg>
                \(os)
              </os>
              \(extra)
              <devices>
                \(rootFilesystem)
                \(devices)
              </devices>
            </domain>
            """
    }

    /// Runs `definition` with `corralctl run`, as a user would, with this sandbox's directories;
    /// `networkNamespace` runs it inside that named namespace (nsenter --net: `ip netns exec`
    /// would remount /sys, and the container would have no cgroups).
    public func run(_ definition: String, name: String = "container", signalAfter: (seconds: Double, signal: Int32)? = nil,
                    networkNamespace: String? = nil) throws -> Run {
        let file = "\(directory)/\(name).xml"
        try definition.write(toFile: file, atomically: true, encoding: .utf8)
        let command = [ContainerSandbox.corralctl, "run", file, "--template-dir", templates, "--overlay-dir", overlays,
                       "--state-dir", state, "--cgroup-parent", cgroupParent]
        guard let networkNamespace else {
            return try ContainerSandbox.run(command[0], Array(command.dropFirst()), in: directory, signalAfter: signalAfter)
        }
        return try ContainerSandbox.run("/usr/bin/nsenter", ["--net=/run/netns/\(networkNamespace)", "--"] + command, in: directory, signalAfter: signalAfter)
    }

    /// Polls `condition` every 10 ms until it holds or `while` (a process still running, say)
    /// no longer does, for 30 s at most; whether it held.
    @discardableResult
    public static func waitUntil(_ condition: () -> Bool, while alive: () -> Bool = { true }) -> Bool {
        for _ in 0..<3000 where !condition() && alive() { Thread.sleep(forTimeInterval: 0.01) }
        return condition()
    }

    /// Runs `executable` (a long sleep by default) in the background while `body` looks at it,
    /// then ends it with SIGKILL — the test runner may pass SIGTERM on ignored — and reaps it.
    public static func withBackgroundProcess(_ executable: String = "/bin/sleep", arguments: [String] = ["1000"],
                                             _ body: (Process) throws -> Void) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try body(process)
    }

    /// Starts `definition` with `corralctl run` and returns at once; the caller waits for it.
    public func start(_ definition: String, name: String) throws -> Process {
        let file = "\(directory)/\(name).xml"
        try definition.write(toFile: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ContainerSandbox.corralctl)
        process.arguments = ["run", file, "--template-dir", templates, "--overlay-dir", overlays, "--state-dir", state,
                             "--cgroup-parent", cgroupParent]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    public static func run(_ executable: String, _ arguments: [String], in directory: String,
                    signalAfter: (seconds: Double, signal: Int32)? = nil, timeout: Double = 60) throws -> Run {
        let outputFile = "\(directory)/.stdout-\(UUID().uuidString)"
        let errorFile = "\(directory)/.stderr-\(UUID().uuidString)"
        for file in [outputFile, errorFile] {
            try #require(FileManager.default.createFile(atPath: file, contents: nil))
        }
        defer {
            try? FileManager.default.removeItem(atPath: outputFile)
            try? FileManager.default.removeItem(atPath: errorFile)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputFile))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorFile))
        try process.run()
        if let (seconds, signal) = signalAfter {
            Thread.sleep(forTimeInterval: seconds)
            kill(process.processIdentifier, signal)
        }
        // A container that hangs must not hang the suite: kill it after a generous minute.
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("\(executable) \(arguments) did not finish within \(Int(timeout)) s")
        }
        process.waitUntilExit()
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return Run(status: status, output: try String(contentsOfFile: outputFile, encoding: .utf8),
                   errors: try String(contentsOfFile: errorFile, encoding: .utf8))
    }

    public static func output(of executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// No mount, loop device, process or staging directory of this sandbox is left on the host.
    /// Loop devices auto-clear when the container's mount namespace is torn down, which the
    /// kernel finishes shortly after init is reaped: they are polled for a few seconds.
    public func checkNothingLeaked(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
            .split(separator: "\n").filter { $0.contains(directory) }
        #expect(mounts.isEmpty, "mounts left on the host: \(mounts)", sourceLocation: sourceLocation)
        var loops = loopDevicesBacked()
        for _ in 0..<500 where !loops.isEmpty {
            Thread.sleep(forTimeInterval: 0.01)
            loops = loopDevicesBacked()
        }
        #expect(loops.isEmpty, "loop devices left attached: \(loops)", sourceLocation: sourceLocation)
        let staging = (try? FileManager.default.contentsOfDirectory(atPath: state))?.filter { $0.hasSuffix(".root") } ?? []
        #expect(staging.isEmpty, "staging directories left: \(staging)", sourceLocation: sourceLocation)
        #expect(processesRootedHere().isEmpty, "processes left: \(processesRootedHere())", sourceLocation: sourceLocation)
        #expect(monitorsOfThisSandbox().isEmpty, "monitors left: \(monitorsOfThisSandbox())", sourceLocation: sourceLocation)
    }

    /// Loop devices whose backing file is in this sandbox (sysfs, as `losetup -a` reads it).
    public func loopDevicesBacked() -> [String] {
        let devices = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/block")) ?? []
        return devices.filter { $0.hasPrefix("loop") }.filter { device in
            let backing = (try? String(contentsOfFile: "/sys/block/\(device)/loop/backing_file", encoding: .utf8)) ?? ""
            return backing.contains(directory)
        }
    }

    /// A container's processes: those in this sandbox's cgroups, or whose root directory is in
    /// the sandbox (a container's root lives in a mount namespace of its own, which the host's
    /// view of /proc/PID/root cannot always name).
    public func processesRootedHere() -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { $0.allSatisfy(\.isNumber) }.filter { pid in
            let cgroups = (try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)) ?? ""
            if cgroups.contains("/\(cgroupParent)/") { return true }
            let root = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/root")) ?? ""
            return root.hasPrefix(directory)
        }
    }

    /// Builds the syscall probe (Tests/CorralTestSupport/Probe) statically into `rootfs/bin/probe`.
    public func installSyscallProbe() throws {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Probe/syscall-probe.c.txt").path
        let copy = "\(directory)/syscall-probe.c"
        try FileManager.default.copyItem(atPath: source, toPath: copy)
        let compiler = ["/usr/bin/cc", "/usr/bin/gcc"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "cc"
        let build = try ContainerSandbox.run(compiler, ["-static", "-O1", "-o", "\(rootfs)/bin/probe", copy], in: directory)
        try #require(build.status == 0, "cannot build the syscall probe: \(build.errors)")
    }

    /// Builds the seccomp filter probe (Tests/CorralTestSupport/Probe) statically into this
    /// sandbox's directory (it runs on the host) and returns its path.
    public func buildFilterProbe() throws -> String {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Probe/filter-probe.c.txt").path
        let copy = "\(directory)/filter-probe.c", binary = "\(directory)/filter-probe"
        try FileManager.default.copyItem(atPath: source, toPath: copy)
        let compiler = ["/usr/bin/cc", "/usr/bin/gcc"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "cc"
        let build = try ContainerSandbox.run(compiler, ["-static", "-O1", "-o", binary, copy], in: directory)
        try #require(build.status == 0, "cannot build the filter probe: \(build.errors)")
        return binary
    }

    /// corral-monitor processes working on this sandbox's files.
    public func monitorsOfThisSandbox() -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { $0.allSatisfy(\.isNumber) }.filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let commandLine = String(decoding: data, as: UTF8.self)
            return commandLine.contains("corral") && commandLine.contains(directory)
        }
    }

    public func remove() {
        // The sandbox's cgroup parent, in every hierarchy (empty once its containers are gone).
        let hierarchies = ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? []).map { "/sys/fs/cgroup/\($0)" }
        for root in ["/sys/fs/cgroup"] + hierarchies {
            rmdir("\(root)/\(cgroupParent)")
        }
        do {
            try FileManager.default.removeItem(atPath: directory)
        } catch {
            Issue.record("cannot remove the sandbox \(directory): \(error)")
        }
    }
}

private func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;")
}
