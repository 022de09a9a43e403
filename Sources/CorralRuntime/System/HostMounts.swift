import Glibc

/// The host's mount points, from /proc/self/mountinfo: which directories have mounts below
/// them.
struct HostMounts {
    let mountPoints: [String]

    init() {
        // "ID PARENT MAJ:MIN ROOT MOUNTPOINT …", the mount point with space, tab, newline and
        // backslash octal-escaped.
        mountPoints = (FileIO.text("/proc/self/mountinfo") ?? "").split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 5)
            return fields.count > 4 ? HostMounts.unescape(fields[4]) : nil
        }
    }

    /// Whether something is mounted strictly below `directory` (symlinks resolved).
    func hasMounts(below directory: String) -> Bool {
        guard let resolved = realpath(directory, nil) else { return false }
        defer { free(resolved) }
        let prefix = String(cString: resolved) == "/" ? "/" : String(cString: resolved) + "/"
        return mountPoints.contains { $0.hasPrefix(prefix) && $0.count > prefix.count }
    }

    static func unescape(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(field.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "\\"), utf8.count >= 3,
               let value = UInt8(String(decoding: utf8.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
