import CorralRuntime
import Glibc

/// corrald under systemd with `Delegate=yes` on cgroup2: the unit's cgroup is corrald's to
/// manage. corrald moves itself (and so the monitors it starts) into a leaf, `…/daemon`, so the
/// unit's cgroup holds no process and may enable controllers for its children (cgroup2's
/// no-internal-process rule), and places containers in `…/containers/NAME`.
struct DelegatedCgroup: Sendable, Equatable {
    /// Where corrald and its monitors live, relative to the hierarchy root.
    let daemonLeaf: String
    /// The parent of the containers' cgroups, relative to the hierarchy root.
    let containerParent: String

    /// The layout of a delegated subtree rooted at `own` (corrald's cgroup, from
    /// /proc/self/cgroup's `0::` line), or nil when there is nothing to delegate: not cgroup2,
    /// not under systemd, or already at the root.
    init?(own: String, layout: CgroupLayout, underSystemd: Bool) {
        guard underSystemd, case .unified = layout else { return nil }
        let trimmed = own.split(separator: "/").joined(separator: "/")
        guard !trimmed.isEmpty else { return nil }
        daemonLeaf = trimmed + "/daemon"
        containerParent = trimmed + "/containers"
    }

    /// corrald's own cgroup2 path, from /proc/self/cgroup.
    static func ownCgroup() -> String? {
        FileIO.text("/proc/self/cgroup")?.split(separator: "\n")
            .first { $0.hasPrefix("0::") }.map { String($0.dropFirst(3)) }
    }

    /// Moves this process into the leaf.
    func enter(root: String) throws {
        let leaf = "\(root)/\(daemonLeaf)"
        try HostDirectory.create(leaf, detail: "cgroup")
        try FileIO.writeExisting("\(leaf)/cgroup.procs", String(getpid()))
    }
}
