import Glibc

/// Identifies a process beyond its pid: its start time since boot, which a reused pid does
/// not share.
public enum ProcessIdentity {
    /// Field 22 of /proc/PID/stat, or nil when the process does not exist.
    public static func startTime(of pid: Int32) -> UInt64? {
        guard let stat = FileIO.text("/proc/\(pid)/stat"), let closing = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name (which may contain spaces) start at field 3.
        let fields = stat[stat.index(after: closing)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }

    /// This process's own start time, read once (a launch records it twice).
    public static let ownStartTime: UInt64 = startTime(of: getpid()) ?? 0

    /// Whether the process `pid` that started at `startTime` still runs.
    public static func isAlive(_ pid: Int32, startTime: UInt64) -> Bool {
        pid > 0 && self.startTime(of: pid) == startTime
    }
}
