import CorralRuntime
import Glibc

/// A cgroup2 subtree systemd delegated to a unit (`Delegate=yes`). cgroup2 lets no process
/// sit beside children with controllers enabled, so the unit's own process moves into a leaf,
/// and containers live in `…/containers/NAME`.
///
/// Two units use one: `corral-containers.service` (`corrald --hold-cgroups`, see CgroupHolder)
/// holds the containers and their monitors, so corrald's own unit stays free of them and
/// systemd can restart corrald (systemd 252 cannot start a unit's new process in a cgroup
/// whose children still have controllers enabled). Without that unit, corrald falls back to
/// its own subtree; a restart then has to stop the containers.
struct DelegatedCgroup: Sendable, Equatable {
    /// The unit's cgroup, relative to the hierarchy root.
    let subtree: String
    /// Where the unit's own process lives.
    let leaf: String
    /// The parent of the containers' cgroups.
    var containerParent: String { subtree + "/containers" }
    /// Where the holder's unit keeps the monitors, out of corrald's unit.
    var monitorLeaf: String { subtree + "/monitors" }

    /// The layout of the subtree at `own` (a process's cgroup2 path, from /proc/self/cgroup's
    /// `0::` line), with the process in `leafName`; nil when there is nothing delegated: not
    /// cgroup2, not under systemd, or at the root.
    init?(own: String, layout: CgroupLayout, underSystemd: Bool, leafName: String) {
        guard underSystemd, case .unified = layout else { return nil }
        let trimmed = own.split(separator: "/").joined(separator: "/")
        guard !trimmed.isEmpty else { return nil }
        subtree = trimmed
        leaf = trimmed + "/" + leafName
    }

    /// A subtree another process holds (read from the holder's file).
    init(held subtree: String) {
        self.subtree = subtree.split(separator: "/").joined(separator: "/")
        leaf = self.subtree + "/holder"
    }

    /// This process's own cgroup2 path, from /proc/self/cgroup.
    static func ownCgroup() -> String? {
        FileIO.text("/proc/self/cgroup")?.split(separator: "\n")
            .first { $0.hasPrefix("0::") }.map { String($0.dropFirst(3)) }
    }

    /// The systemd unit whose cgroup this is: its innermost `*.service` component.
    static func unit(of cgroup: String) -> String? {
        cgroup.split(separator: "/").last { $0.hasSuffix(".service") }.map(String.init)
    }

    /// Moves this process into the leaf.
    func enter(root: String) throws {
        try move(getpid(), into: leaf, root: root)
    }

    /// Moves `pid` into `cgroup` (relative to `root`), creating it.
    func move(_ pid: pid_t, into cgroup: String, root: String) throws {
        try HostDirectory.create("\(root)/\(cgroup)", detail: "cgroup")
        try FileIO.writeExisting("\(root)/\(cgroup)/cgroup.procs", String(pid))
    }
}
