#if canImport(Glibc)
import Glibc
#endif

/// How the host mounts its cgroups, detected once (DESIGN.md §2): pure v2 (Debian 12, Ubuntu
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
        guard let text = mountinfo ?? FileIO.text("/proc/self/mountinfo") else { return nil }
        var hierarchies: [String: String] = [:]
        var unified: String? = nil
        for line in text.split(separator: "\n") {
            // "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL…] - TYPE SOURCE SUPEROPTIONS"
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2 else { continue }
            let fields = halves[0].split(separator: " ")
            let tail = halves[1].split(separator: " ")
            guard fields.count >= 5, tail.count >= 3 else { continue }
            let mountPoint = String(fields[4])
            switch tail[0] {
            case "cgroup2":
                if unified == nil { unified = mountPoint }
            case "cgroup":
                for option in tail[2].split(separator: ",") {
                    let controller = option.hasPrefix("name=") ? String(option) : String(option)
                    if ["rw", "ro", "relatime", "noatime", "nosuid", "nodev", "noexec"].contains(controller) { continue }
                    hierarchies[controller] = mountPoint
                }
            default:
                continue
            }
        }
        if hierarchies.isEmpty, let unified { return .unified(root: unified) }
        if hierarchies.isEmpty { return nil }
        return .legacy(hierarchies: hierarchies, unified: unified)
    }
}

extension StringProtocol {
    /// Splits on a multi-character separator (Foundation-free).
    func components(separatedBy separator: String) -> [String] {
        var parts: [String] = []
        var rest = Substring(self)
        while let range = rest.range(of: separator) {
            parts.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }

    func range(of needle: String) -> Range<Index>? {
        guard !needle.isEmpty else { return nil }
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(needle) {
                return index..<self.index(index, offsetBy: needle.count)
            }
            index = self.index(after: index)
        }
        return nil
    }
}
