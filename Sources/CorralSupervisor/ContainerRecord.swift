import CorralDomain

/// What STATE_DIR/NAME.state says about one container: written atomically by its monitor at
/// every transition, read by corrald (events, status, re-adoption) and corralctl (list,
/// status). One `key=value` per line, so a shell can read it too.
public struct ContainerRecord: Sendable, Equatable {
    public enum Phase: String, Sendable, CaseIterable {
        /// The monitor is launching init.
        case starting
        case running
        /// Waiting to restart after init ended (`nextStart`).
        case backoff
        /// The stop signal was sent; SIGKILL follows after the timeout.
        case stopping
        /// Ended for good: by policy (destroy, preserve) or on request.
        case stopped
    }

    public var name: String
    public var phase: Phase
    public var monitorPID: Int32
    /// The monitor's start time in clock ticks since boot (/proc/PID/stat field 22): with the
    /// pid, it identifies the monitor even after its pid could have been reused.
    public var monitorStartTime: UInt64
    public var initPID: Int32?
    /// When the current phase began, and when the current init started (seconds since the epoch).
    public var since: Int64
    public var startedAt: Int64?
    public var restarts: Int
    /// Consecutive restarts without a long enough run: the back-off's exponent.
    public var consecutiveRestarts: Int
    public var lastExit: String?
    public var nextStart: Int64?
    /// The definition file the container came from.
    public var definition: String
    /// The last problem: a failed launch, a crash loop.
    public var message: String?
    /// The container's cgroup below each hierarchy's root (`corral/web`).
    public var cgroup: String?

    public init(name: String, phase: Phase, monitorPID: Int32, monitorStartTime: UInt64, definition: String, since: Int64) {
        self.name = name
        self.phase = phase
        self.monitorPID = monitorPID
        self.monitorStartTime = monitorStartTime
        self.definition = definition
        self.since = since
        self.restarts = 0
        self.consecutiveRestarts = 0
    }

    public var encoded: String {
        var lines = ["name=\(name)", "phase=\(phase.rawValue)", "monitor_pid=\(monitorPID)",
                     "monitor_start=\(monitorStartTime)", "since=\(since)", "restarts=\(restarts)",
                     "consecutive_restarts=\(consecutiveRestarts)", "definition=\(definition)"]
        if let initPID { lines.append("init_pid=\(initPID)") }
        if let startedAt { lines.append("started=\(startedAt)") }
        if let lastExit { lines.append("last_exit=\(lastExit)") }
        if let nextStart { lines.append("next_start=\(nextStart)") }
        if let message { lines.append("message=\(message)") }
        if let cgroup { lines.append("cgroup=\(cgroup)") }
        // (joinedByAppending: written at every start and phase change, see CorralDomain.)
        return lines.map(ContainerRecord.oneLine).joinedByAppending(separator: "\n") + "\n"
    }

    /// Parses what `encoded` wrote; nil for a file that is not a complete record.
    public init?(decoding text: String) {
        var values: [Substring: Substring] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[line[..<equals]] = line[line.index(after: equals)...]
        }
        guard let name = values["name"], let phase = values["phase"].flatMap({ Phase(rawValue: String($0)) }),
              let monitorPID = values["monitor_pid"].flatMap({ Int32($0) }),
              let monitorStart = values["monitor_start"].flatMap({ UInt64($0) }),
              let since = values["since"].flatMap({ Int64($0) }), let definition = values["definition"]
        else { return nil }
        self.init(name: String(name), phase: phase, monitorPID: monitorPID, monitorStartTime: monitorStart,
                  definition: String(definition), since: since)
        restarts = values["restarts"].flatMap { Int($0) } ?? 0
        consecutiveRestarts = values["consecutive_restarts"].flatMap { Int($0) } ?? 0
        initPID = values["init_pid"].flatMap { Int32($0) }
        startedAt = values["started"].flatMap { Int64($0) }
        lastExit = values["last_exit"].map(String.init)
        nextStart = values["next_start"].flatMap { Int64($0) }
        message = values["message"].map(String.init)
        cgroup = values["cgroup"].map(String.init)
    }

    /// Values are single lines; a newline inside one (a multi-line error) becomes " / ".
    private static func oneLine(_ text: String) -> String {
        // Bytes, not Characters: a grapheme check each cost a record more than the rest of it.
        text.utf8.contains(UInt8(ascii: "\n")) ? text.split(separator: "\n").joinedByAppending(separator: " / ") : text
    }
}
