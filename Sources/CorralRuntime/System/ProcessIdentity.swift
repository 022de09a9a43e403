import Glibc

/// Identifies a process beyond its pid: its start time since boot, which a reused pid does
/// not share.
public enum ProcessIdentity {
    /// Field 22 of /proc/PID/stat, or nil when the process does not exist.
    public static func startTime(of pid: Int32) -> UInt64? {
        FileIO.bytes(atPath: "/proc/\(pid)/stat").flatMap(startTime(statLine:))
    }

    /// Field 22 of a /proc/PID/stat line. The command name (field 2) is in parentheses and
    /// may itself hold spaces and parentheses: the fields after it start after the last `)`.
    /// Read as bytes: the generic String `lastIndex` and `split` cost a launch ~0.2 M
    /// instructions of first-use metadata and grapheme work.
    static func startTime(statLine bytes: [UInt8]) -> UInt64? {
        guard let closing = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        // ") S 1 2 …": after the parenthesis, each space starts the next field, from field 3.
        var field = 2
        var value: UInt64 = 0
        var digits = 0
        for byte in bytes[(closing + 1)...] {
            if byte == UInt8(ascii: " ") {
                if field == 22 { break }
                field += 1
                continue
            }
            guard field == 22 else { continue }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = shifted.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflowA, !overflowB else { return nil }
            value = sum
            digits += 1
        }
        return field == 22 && digits > 0 ? value : nil
    }

    /// This process's own start time, read once (a launch records it twice).
    public static let ownStartTime: UInt64 = startTime(of: getpid()) ?? 0

    /// Whether the process `pid` that started at `startTime` still runs.
    public static func isAlive(_ pid: Int32, startTime: UInt64) -> Bool {
        pid > 0 && self.startTime(of: pid) == startTime
    }
}
