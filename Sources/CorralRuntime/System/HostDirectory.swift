import CorralDomain
import Glibc

/// Host directories the launch needs, with errors that name them.
public enum HostDirectory {
    /// Creates `path` (and with `parents`, its missing parents); an existing one is fine.
    /// `detail` qualifies errors: `mkdir '/sys/fs/cgroup/…' (cgroup): …`.
    public static func create(_ path: String, mode: mode_t = 0o755, parents: Bool = false, detail: String? = nil) throws {
        if parents, let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try create(String(path[..<slash]), mode: 0o755, parents: true, detail: detail)
        }
        guard mkdir(path, mode) == 0 || errno == EEXIST else { throw SystemCallError.last("mkdir", path, detail: detail) }
    }

    /// Fails unless `path` is a directory; `what` says which element needs it.
    static func requireDirectory(_ path: String, what: String) throws {
        if let problem = directoryProblem(path) { throw SystemCallError("stat", [path], detail: what, errno: problem) }
    }

    /// Fails unless the bind source `path` is a directory, naming the call that failed (stat)
    /// and what the path is for.
    static func requireDirectory(_ path: String, mountedOn target: ContainerPath) throws {
        if let problem = directoryProblem(path) {
            throw SystemCallError("stat", [path], detail: "bind source of '\(target)'", errno: problem)
        }
    }

    private static func directoryProblem(_ path: String) -> Int32? {
        var status = stat()
        guard stat(path, &status) == 0 else { return errno }
        return (status.st_mode & S_IFMT) == S_IFDIR ? nil : ENOTDIR
    }

    public static func remove(_ path: String) {
        // A leftover directory is harmless and reused by the next start; never fail over it.
        _ = rmdir(path)
    }
}
