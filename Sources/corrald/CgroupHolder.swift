import CorralDomain
import CorralRuntime
import Glibc
import Logging

/// `corrald --hold-cgroups`, the main process of `corral-containers.service`: holds that unit's
/// delegated cgroup2 subtree for corrald's containers and monitors, so they are not in
/// corrald's own unit. systemd (252, Debian 12's) starts a unit's new main process in the
/// unit's cgroup, which fails (status 219/CGROUP) while children of it have controllers enabled
/// — so only a unit without containers can be restarted with its containers kept.
///
/// It moves itself into `…/holder`, writes the subtree's path to `STATE_DIR/containers.cgroup`
/// for corrald, tells systemd it is ready, and waits for SIGTERM or SIGINT. It never restarts:
/// systemd stops this unit only after corrald (which stops every container gracefully), and
/// kills what is left in it then.
enum CgroupHolder {
    static let fileName = "containers.cgroup"

    static func run(stateDirectory: String, logger: Logger) -> Int32 {
        let notifier = SystemdNotifier()
        let file = "\(stateDirectory)/\(fileName)"
        do {
            let signals = try BlockedSignals([SIGTERM, SIGINT])
            guard let layout = CgroupLayout.detect(), case .unified(let root) = layout, let own = DelegatedCgroup.ownCgroup(),
                  let delegated = DelegatedCgroup(own: own, layout: layout, underSystemd: SystemdNotifier.underSystemd, leafName: "holder")
            else {
                logger.critical("corrald --hold-cgroups: needs a cgroup2 subtree delegated by systemd (Delegate=yes on a pure cgroup v2 host)")
                return 1
            }
            try delegated.enter(root: root)
            try HostDirectory.create(stateDirectory, mode: 0o755, parents: true)
            try FileIO.writeAtomically("/\(delegated.subtree)\n", to: file)
            logger.info("holding /\(delegated.subtree) for corrald's containers (in …/containers) and monitors (in …/monitors)")
            notifier.notify("READY=1\nSTATUS=holding /\(delegated.subtree)")
            let received = try signals.next()
            logger.info("\(received == SIGTERM ? "SIGTERM" : "SIGINT"): releasing /\(delegated.subtree)")
            notifier.notify("STOPPING=1")
            // Only our own file: a newer holder may have replaced it.
            if FileIO.text(file) == "/\(delegated.subtree)\n", unlink(file) != 0 {
                logger.warning("cannot remove \(file): \(errnoText(errno))")
            }
            return 0
        } catch {
            logger.critical("corrald --hold-cgroups: \(error)")
            return 1
        }
    }

    /// The subtree a running holder published in `stateDirectory`, if it is there and its
    /// cgroup exists below `root`.
    static func held(stateDirectory: String, root: String) -> DelegatedCgroup? {
        guard let text = FileIO.text("\(stateDirectory)/\(fileName)") else { return nil }
        guard let line = text.split(separator: "\n").first else { return nil }
        let path = String(line)
        guard path.hasPrefix("/"), !path.split(separator: "/").contains(".."), access("\(root)\(path)/cgroup.procs", F_OK) == 0 else { return nil }
        return DelegatedCgroup(held: path)
    }
}
