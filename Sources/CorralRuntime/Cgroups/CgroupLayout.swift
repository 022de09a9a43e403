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
        guard let text = mountinfo ?? FileIO.text("/proc/self/mountinfo") else { return nil }
        var hierarchies: [String: String] = [:]
        var unified: String? = nil
        for line in text.split(separator: "\n") {
            // "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL…] - TYPE SOURCE SUPEROPTIONS"
            let fields = line.split(separator: " ")
            guard fields.count >= 5, let separator = fields.firstIndex(of: "-"), separator + 3 < fields.count else { continue }
            let mountPoint = String(fields[4])
            switch fields[separator + 1] {
            case "cgroup2":
                if unified == nil { unified = mountPoint }
            case "cgroup":
                // Super options are controllers, `name=…`, and flags that are not controllers.
                let flags: Set<Substring> = ["rw", "ro", "xattr", "noprefix", "clone_children", "cpuset_v2_mode", "favordynmods"]
                for option in fields[separator + 3].split(separator: ",")
                where !flags.contains(option) && (option.hasPrefix("name=") || !option.contains("=")) {
                    hierarchies[String(option)] = mountPoint
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
