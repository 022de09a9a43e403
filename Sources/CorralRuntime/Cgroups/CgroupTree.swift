import Glibc

/// A cgroup and everything below it, walked by directory descriptor and raw names: the
/// container names its own sub-cgroups, and a name that is not UTF-8 must be removed like any
/// other (a decoded, altered name would be "not found", and the cgroup left behind).
enum CgroupTree {
    /// Calls `body` with a descriptor of `path` and of every cgroup below it, parents first.
    static func forEach(_ path: String, _ body: (Int32) -> Void) {
        let directory = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { return }
        visit(directory, body)
        close(directory)
    }

    /// Removes `path` and every cgroup below it (children first); true while something is left.
    static func remove(_ path: String) -> Bool {
        // Usually a container's cgroup has no children left: one rmdir, without listing the
        // directory (with a thousand containers stopping, every cgroup call waits for the
        // kernel's one cgroup mutex). EBUSY means children, or processes still leaving.
        if rmdir(path) == 0 || errno == ENOENT { return false }
        let directory = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { return errno != ENOENT }
        removeChildren(of: directory)
        close(directory)
        return rmdir(path) != 0 && errno != ENOENT
    }

    /// The processes in `path` and every cgroup below it.
    static func pids(_ path: String) -> [pid_t] {
        var pids: [pid_t] = []
        forEach(path) { directory in
            let procs = openat(directory, "cgroup.procs", O_RDONLY | O_CLOEXEC)
            guard procs >= 0 else { return }
            defer { close(procs) }
            let text = String(decoding: FileIO.readAll(procs) ?? [], as: UTF8.self)
            pids += text.split(separator: "\n").compactMap { pid_t($0) }
        }
        return pids
    }

    /// Writes `value` to `file` in `path` and every cgroup below it (freezer.state=THAWED).
    static func writeEverywhere(_ path: String, file: String, _ value: String) {
        forEach(path) { directory in
            let descriptor = openat(directory, file, O_WRONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return }
            defer { close(descriptor) }
            // A cgroup that refuses (gone meanwhile) has nothing left to thaw.
            _ = value.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, $0.count - 1) }
        }
    }

    private static func visit(_ directory: Int32, _ body: (Int32) -> Void) {
        body(directory)
        for name in subdirectories(of: directory) {
            let child = openat(directory, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard child >= 0 else { continue }
            visit(child, body)
            close(child)
        }
    }

    private static func removeChildren(of directory: Int32) {
        for name in subdirectories(of: directory) {
            let child = openat(directory, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if child >= 0 {
                removeChildren(of: child)
                close(child)
            }
            // What cannot be removed yet (a process still leaving) is tried again by the caller.
            _ = unlinkat(directory, name, AT_REMOVEDIR)
        }
    }

    /// The names of the sub-directories, as NUL-terminated bytes.
    private static func subdirectories(of directory: Int32) -> [[CChar]] {
        let copy = dup(directory)
        guard copy >= 0, let handle = fdopendir(copy) else {
            if copy >= 0 { close(copy) }
            return []
        }
        defer { closedir(handle) }
        var names: [[CChar]] = []
        while let entry = readdir(handle) {
            guard entry.pointee.d_type == UInt8(DT_DIR) else { continue }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                Array(bytes.prefix { $0 != 0 }.map { CChar(bitPattern: $0) }) + [0]
            }
            if name != [46, 0] && name != [46, 46, 0] { names.append(name) }
        }
        return names
    }
}
