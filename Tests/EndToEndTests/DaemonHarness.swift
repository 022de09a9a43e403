import CorralSupervisor
import CorralTestSupport
import Foundation
import Testing

/// A real corrald on a sandbox: its own definitions, state and log directories, started and
/// signalled as systemd would, observed through its records and its log.
final class DaemonHarness {
    let sandbox: ContainerSandbox
    var configDirectory: String { sandbox.directory + "/containers" }
    var stateDirectory: String { sandbox.state }
    var logDirectory: String { sandbox.directory + "/log" }
    private var process: Process?
    private let daemonLog: String

    init(_ sandbox: ContainerSandbox) throws {
        self.sandbox = sandbox
        daemonLog = sandbox.directory + "/corrald.log"
        for directory in [configDirectory, logDirectory] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
    }

    /// Starts corrald; `environment` adds variables (NOTIFY_SOCKET), `arguments` replace the
    /// sandbox's command line.
    /// `networkNamespace` runs it (and so its monitors and containers' host ends) in that named
    /// namespace, and only that: nsenter --net execs corrald (the pid stays its), where `ip netns
    /// exec` would also remount /sys and so hide the cgroups.
    func start(environment: [String: String] = [:], arguments: [String]? = nil, networkNamespace: String? = nil) throws {
        if !FileManager.default.fileExists(atPath: daemonLog) {
            try #require(FileManager.default.createFile(atPath: daemonLog, contents: nil))
        }
        let process = Process()
        let corrald = ContainerSandbox.buildDirectory + "/corrald"
        if let networkNamespace {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
            process.arguments = ["--net=/run/netns/\(networkNamespace)", "--", corrald] + (arguments ?? self.arguments)
        } else {
            process.executableURL = URL(fileURLWithPath: corrald)
            process.arguments = arguments ?? self.arguments
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: daemonLog))
        try log.seekToEnd()
        process.standardError = log
        try process.run()
        self.process = process
    }

    var pid: Int32 { process?.processIdentifier ?? 0 }

    /// corrald's command line on this sandbox's directories.
    var arguments: [String] {
        ["--config", "/dev/null", "--config-dir", configDirectory, "--state-dir", stateDirectory,
         "--log-dir", logDirectory, "--template-dir", sandbox.templates, "--overlay-dir", sandbox.overlays,
         "--monitor", ContainerSandbox.buildDirectory + "/corral-monitor", "--cgroup-parent", sandbox.cgroupParent]
    }

    /// A definition whose init prints NAME-up and exits 0 on SIGTERM.
    func service(_ name: String, _ extra: String = "", os: String = "", script: String? = nil) -> String {
        sandbox.domain(name, script: script ?? "trap 'echo \(name)-stopping; exit 0' TERM; echo \(name)-up; while true; do sleep 1 & wait; done",
                       devices: "<console type='pty'/>", os: os, extra: extra)
    }

    /// Writes a definition as editors do: a temporary name, then a rename into place.
    func write(_ file: String, _ text: String) throws {
        let temporary = "\(configDirectory)/.\(file).swp"
        try text.write(toFile: temporary, atomically: false, encoding: .utf8)
        guard rename(temporary, "\(configDirectory)/\(file)") == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    func remove(_ file: String) throws {
        try FileManager.default.removeItem(atPath: "\(configDirectory)/\(file)")
    }

    func record(_ name: String) -> ContainerRecord? { StateDirectory(stateDirectory).read(name) }

    var log: String { (try? String(contentsOfFile: daemonLog, encoding: .utf8)) ?? "" }

    func containerLog(_ name: String) -> String {
        (try? String(contentsOfFile: "\(logDirectory)/\(name).log", encoding: .utf8)) ?? ""
    }

    /// Polls `condition` for up to `seconds`; records an issue naming `what` if it never held.
    @discardableResult
    func wait(_ what: String, seconds: Double = 30, sourceLocation: SourceLocation = #_sourceLocation,
              until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("timed out waiting for \(what); corrald's log:\n\(log)", sourceLocation: sourceLocation)
        return false
    }

    func running(_ name: String) -> Int32? {
        guard let record = record(name), record.phase == .running else { return nil }
        return record.initPID
    }

    func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Waits for corrald to exit and returns its status (128+N if killed by signal N).
    func waitForExit(seconds: Double = 60) -> Int32? {
        guard let process else { return nil }
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        guard !process.isRunning else {
            Issue.record("corrald did not exit; its log:\n\(log)")
            process.terminate()
            return nil
        }
        self.process = nil
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// Stops corrald (if still running) and everything it started.
    func shutDown() {
        guard process != nil else { return }
        signal(SIGTERM)
        _ = waitForExit()
    }

    static func processExists(_ pid: Int32) -> Bool { kill(pid, 0) == 0 }
}

/// Runs `body` with a daemon on a fresh sandbox; afterwards corrald is stopped, nothing may be
/// left behind, and the sandbox is removed.
func withDaemon(_ body: (DaemonHarness) throws -> Void) throws {
    try ContainerSandbox.with { sandbox in
        let daemon = try DaemonHarness(sandbox)
        defer { daemon.shutDown() }
        try body(daemon)
        daemon.shutDown()
    }
}
