import CorralDomain
import ArgumentParser
import CorralRuntime
import CorralSupervisor
import Glibc

/// Output formats of the commands that report state.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Options shared by the commands that read corrald's state directory.
struct StateOptions: ParsableArguments {
    @Option(name: .customLong("state-dir"), help: ArgumentHelp("corrald's state directory.", valueName: "dir"))
    var stateDirectory = "/run/corral"

    var state: StateDirectory { StateDirectory(stateDirectory) }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the containers corrald supervises: name, state, init pid, uptime, restarts.")

    @OptionGroup var stateOptions: StateOptions
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text

    func run() throws {
        List.show(state: stateOptions.state, format: format)
    }

    /// The listing itself; also called by main's fast path (no argument parser).
    static func show(state: StateDirectory, format: OutputFormat) {
        let records = state.records()
        let now = WallClock.now()
        switch format {
        case .text:
            for line in StatusReport.lines(records: records, now: now) { print(line) }
        case .json:
            print("[" + records.map { StatusReport.json($0, now: now) }.joined(separator: ",\n ") + "]")
        }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show one container's state as its monitor recorded it.")

    @Argument(help: "The container's name.") var name: String
    @OptionGroup var stateOptions: StateOptions
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text

    func run() throws {
        guard let record = stateOptions.state.read(name) else {
            throw ValidationError("no container '\(name)' in \(stateOptions.stateDirectory) (is corrald running it?)")
        }
        Status.show(record, name: name, stateOptions: stateOptions, format: format)
    }

    /// The status of a container whose record was read; also called by main's fast path.
    static func show(_ record: ContainerRecord, name: String, stateOptions: StateOptions, format: OutputFormat) {
        let now = WallClock.now()
        let running = record.phase == .running || record.phase == .stopping
        let statistics = running ? record.cgroup.flatMap { path in
            CgroupLayout.detect().map { CgroupStatistics(layout: $0, relativePath: path) }
        } : nil
        // The interfaces of the definition it runs (its canonical copy in the state directory).
        var interfaces: [InterfaceStatus] = []
        var definitionProblem: String? = nil
        if running {
            do {
                interfaces = InterfaceStatus.of(try DomainParser.parse(contentsOf: stateOptions.state.definition(of: name)), initPID: record.initPID,
                                                stateDirectory: stateOptions.stateDirectory)
            } catch {
                definitionProblem = "\(error)"
            }
        }
        if format == .json {
            print(StatusReport.json(record, now: now, statistics: statistics, interfaces: interfaces))
            return
        }
        let held = stateOptions.state.isHeld(name) && record.phase == .stopped
        var rows = [("name", record.name), ("state", held ? "stopped by request" : record.phase.rawValue),
                    ("init pid", record.initPID.map(String.init) ?? "-"), ("monitor pid", String(record.monitorPID)),
                    ("definition", record.definition), ("restarts", String(record.restarts))]
        if record.phase == .running, let started = record.startedAt {
            rows.append(("uptime", StatusReport.duration(now - started)))
        }
        if let lastExit = record.lastExit { rows.append(("last exit", lastExit)) }
        if let next = record.nextStart { rows.append(("next start", "in \(StatusReport.duration(next - now))")) }
        if let message = record.message { rows.append(("problem", message)) }
        if let cgroup = record.cgroup { rows.append(("cgroup", cgroup)) }
        if let statistics {
            func size(_ bytes: UInt64?) -> String { bytes.map(MemorySize.text) ?? "-" }
            let memoryLimit = statistics.memoryLimit.map { " of \(MemorySize.text($0))" } ?? " (no limit)"
            rows.append(("memory", "\(size(statistics.memoryCurrent))\(memoryLimit), peak \(size(statistics.memoryPeak))"))
            rows.append(("cpu time", statistics.cpuMicroseconds.map { "\($0 / 1000) ms" } ?? "-"))
            let tasksLimit = statistics.tasksLimit.map { " of \($0)" } ?? " (no limit)"
            rows.append(("tasks", (statistics.tasks.map(String.init) ?? "-") + tasksLimit))
        }
        if let definitionProblem { rows.append(("interfaces", "unknown: \(definitionProblem)")) }
        for interface in interfaces {
            let host = interface.hostName.map { "host end \($0), " } ?? ""
            let traffic = "rx \(interface.receivedBytes.map(MemorySize.text) ?? "-"), tx \(interface.sentBytes.map(MemorySize.text) ?? "-")"
            let addresses = interface.addresses.isEmpty ? "no address" : interface.addresses.joined(separator: " ")
            rows.append(("interface", "\(interface.guestName) (\(host)\(interface.attachment)) \(interface.mac) \(addresses); \(traffic)"))
        }
        for (key, value) in rows { print("\((key + ":").padding(to: 13)) \(value)") }
    }
}

struct Logs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a container's console log (LOG_DIR/NAME.log, after its rotated part).")

    @Argument(help: "The container's name.") var name: String
    @Flag(name: .shortAndLong, help: "Keep printing what the container writes.") var follow = false
    @Flag(help: "The bytes as they are, also on a terminal (control sequences are otherwise shown as ^[ …).") var raw = false
    @Option(help: ArgumentHelp("The log of the container's /dev/ttyN (LOG_DIR/NAME.ttyN.log).", valueName: "N"))
    var tty: Int?
    @Option(name: .customLong("log-dir"), help: ArgumentHelp("corrald's log directory.", valueName: "dir"))
    var logDirectory = "/var/log/corral"

    func run() throws {
        let path = ConsoleLog.path(in: logDirectory, container: name, tty: tty ?? 0)
        guard access(path, R_OK) == 0 else { throw ValidationError("cannot read \(path): \(errnoText(errno))") }
        // On a terminal, what the container wrote must not drive it (escape sequences).
        let escaping = !raw && isatty(1) == 1
        if let rotated = FileIO.bytes(atPath: path + ".1") { LogFollower.emit(rotated[...], escaping: escaping) }
        var follower = LogFollower(path: path, escaping: escaping)
        follower.printNew()
        while follow {
            usleep(200_000)
            follower.printNew()
        }
    }
}

/// Prints what was appended to a log since the last call, starting over when it was rotated.
struct LogFollower {
    let path: String
    let escaping: Bool
    private var offset: off_t = 0
    private var inode: ino_t = 0

    init(path: String, escaping: Bool) {
        self.path = path
        self.escaping = escaping
    }

    /// Writes `bytes` to stdout as they are, or with control characters other than newline,
    /// tab and carriage return shown in caret notation (ESC as ^[).
    static func emit(_ bytes: ArraySlice<UInt8>, escaping: Bool) {
        guard escaping else {
            _ = bytes.withUnsafeBytes { FileIO.writeAll(1, $0) }
            return
        }
        var shown: [UInt8] = []
        shown.reserveCapacity(bytes.count)
        for byte in bytes {
            if byte == ConsoleLog.eventMarker { continue }
            if byte < 0x20 && byte != 0x0A && byte != 0x09 && byte != 0x0D {
                shown += [UInt8(ascii: "^"), byte + 0x40]
            } else if byte == 0x7F {
                shown += [UInt8(ascii: "^"), UInt8(ascii: "?")]
            } else {
                shown.append(byte)
            }
        }
        _ = shown.withUnsafeBytes { FileIO.writeAll(1, $0) }
    }

    mutating func printNew() {
        var status = stat()
        guard stat(path, &status) == 0 else { return }
        if status.st_ino != inode || status.st_size < offset {
            inode = status.st_ino
            offset = 0
        }
        guard status.st_size > offset else { return }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, offset) }
            guard count > 0 else { break }
            LogFollower.emit(buffer[0..<count], escaping: escaping)
            offset += off_t(count)
        }
    }
}

/// `reload` and `stop-all`: a signal to the corrald whose pid file is in the state directory.
struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Make corrald re-read its definitions directory (SIGHUP).")
    @OptionGroup var stateOptions: StateOptions

    func run() throws { try signalDaemon(SIGHUP, stateOptions) }
}

struct StopAll: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop-all", abstract: "Make corrald stop every container gracefully and exit (SIGTERM).")
    @OptionGroup var stateOptions: StateOptions

    func run() throws { try signalDaemon(SIGTERM, stateOptions) }
}

private func signalDaemon(_ signal: Int32, _ options: StateOptions) throws {
    let file = options.state.daemonPIDFile
    guard let text = StateDirectory.contents(of: file), let pid = pid_t(text.filter { !$0.isWhitespace }), pid > 0 else {
        throw ValidationError("no corrald pid in \(file) (is corrald running with --state-dir \(options.stateDirectory)?)")
    }
    guard kill(pid, signal) == 0 else {
        throw ValidationError("cannot signal corrald (pid \(pid) from \(file)): \(errnoText(errno))")
    }
}
