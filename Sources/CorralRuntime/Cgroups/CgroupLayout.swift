import Glibc

/// How the host mounts its cgroups, detected once (docs/ARCHITECTURE.md §5): pure v2 (Debian 12, Ubuntu
/// 22.04+, Fedora), hybrid (v1 controllers, `name=systemd`, cgroup2 at …/unified), or legacy v1.
public enum CgroupLayout: Sendable, Equatable {
    /// cgroup2 at `root`, with the controllers it lists.
    case unified(root: String)
    /// v1 controllers by mount point, plus cgroup2 at `unified` when the host has it (hybrid).
    case legacy(hierarchies: [String: String], unified: String?)

    public var name: String {
        switch self {
        case .unified: "cgroup v2"
        case .legacy(_, let unified): unified == nil ? "cgroup v1" : "hybrid cgroup v1/v2"
        }
    }

    /// Reads /proc/self/mountinfo; nil when the host has no cgroups mounted at all.
    public static func detect(mountinfo: String? = nil) -> CgroupLayout? {
        guard let bytes = mountinfo.map({ Array($0.utf8) }) ?? FileIO.bytes(atPath: "/proc/self/mountinfo") else { return nil }
        return detect(mountinfoBytes: bytes)
    }

    /// Read as bytes, in place: every start detects the layout, and splitting the table as
    /// Strings (by Characters, a grapheme check each) cost a start more than parsing its
    /// definition; splitting it into arrays of fields still cost a quarter of that.
    static func detect(mountinfoBytes bytes: [UInt8]) -> CgroupLayout? {
        var hierarchies: [String: String] = [:]
        var unified: String? = nil
        var lineStart = 0
        while lineStart < bytes.count {
            let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            defer { lineStart = lineEnd + 1 }
            guard let line = MountLine(bytes, lineStart..<lineEnd) else { continue }
            let type = bytes[line.type]
            if type.elementsEqual("cgroup2".utf8) {
                if unified == nil { unified = String(decoding: bytes[line.mountPoint], as: UTF8.self) }
            } else if type.elementsEqual("cgroup".utf8) {
                let mountPoint = String(decoding: bytes[line.mountPoint], as: UTF8.self)
                // Super options are controllers, `name=…`, and flags that are not controllers.
                var optionStart = line.superOptions.lowerBound
                while optionStart < line.superOptions.upperBound {
                    let optionEnd = bytes[optionStart..<line.superOptions.upperBound].firstIndex(of: UInt8(ascii: ",")) ?? line.superOptions.upperBound
                    let option = bytes[optionStart..<optionEnd]
                    if isController(option) || option.starts(with: "name=".utf8) {
                        hierarchies[String(decoding: option, as: UTF8.self)] = mountPoint
                    }
                    optionStart = optionEnd + 1
                }
            }
        }
        if hierarchies.isEmpty, let unified { return .unified(root: unified) }
        if hierarchies.isEmpty { return nil }
        return .legacy(hierarchies: hierarchies, unified: unified)
    }

    /// The fields of one mountinfo line that tell a cgroup mount, as ranges of the table:
    /// "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL…] - TYPE SOURCE SUPEROPTIONS".
    private struct MountLine {
        let mountPoint: Range<Int>
        let type: Range<Int>
        let superOptions: Range<Int>

        /// Nil for a line without all of them.
        init?(_ bytes: [UInt8], _ line: Range<Int>) {
            var mountPoint: Range<Int>? = nil, type: Range<Int>? = nil
            // Counted from the separator: 0 before it, 1 for "-" itself, then 2 (type), 3 (source)
            // and 4 (super options).
            var index = 0, afterSeparator = 0
            var start = line.lowerBound
            while start < line.upperBound {
                let end = bytes[start..<line.upperBound].firstIndex(of: UInt8(ascii: " ")) ?? line.upperBound
                defer { start = end + 1; index += 1 }
                if afterSeparator > 0 { afterSeparator += 1 }
                switch (index, afterSeparator) {
                case (4, _): mountPoint = start..<end
                // Optional fields start at the seventh; the first "-" among them ends them.
                case (6..., 0) where end - start == 1 && bytes[start] == UInt8(ascii: "-"): afterSeparator = 1
                case (_, 2): type = start..<end
                case (_, 4):
                    guard let mountPoint, let type else { return nil }
                    (self.mountPoint, self.type, superOptions) = (mountPoint, type, start..<end)
                    return
                default: break
                }
            }
            return nil
        }
    }

    /// A v1 super option that names a controller: not `key=value`, not one of the flags.
    private static func isController(_ option: ArraySlice<UInt8>) -> Bool {
        let flags = ["rw", "ro", "xattr", "noprefix", "clone_children", "cpuset_v2_mode", "favordynmods"]
        return !option.contains(UInt8(ascii: "=")) && !flags.contains { option.elementsEqual($0.utf8) }
    }
}
