import Glibc

/// `STATE_DIR/NAME.launcher`: which process launched the container NAME (pid and start time),
/// so that a later start can tell a container still owned by a live launcher from one a killed
/// launcher left running — its init may have cleared the parent-death signal that should have
/// taken it along. The orphan is killed and its cgroups reclaimed; a live owner's container
/// still refuses the start.
struct LauncherClaim {
    let path: String

    init(container: String, paths: RuntimePaths) {
        path = "\(paths.stateDirectory)/\(container).launcher"
    }

    /// Reclaims the cgroup `relativePath` when the launcher recorded for it is gone.
    func reclaimOrphan(relativePath: String, layout: CgroupLayout?) {
        guard let text = FileIO.text(path) else { return }
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count == 2, let pid = Int32(fields[0]), let start = UInt64(fields[1]),
              !ProcessIdentity.isAlive(pid, startTime: start) else { return }
        if let layout { ContainerCgroup.reclaim(relativePath: relativePath, layout: layout) }
        release()
    }

    /// Records this process as the container's launcher.
    func record() throws {
        let pid = getpid()
        try FileIO.writeAtomically("\(pid) \(ProcessIdentity.startTime(of: pid) ?? 0)\n", to: path)
    }

    func release() {
        // ENOENT: there was none.
        _ = unlink(path)
    }
}
