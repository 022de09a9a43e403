import CorralRuntime
import Glibc

/// corrald's pid file, locked (an open-file-description lock) for as long as corrald runs.
/// A second corrald on the same state directory is refused: two daemons would supervise the
/// same containers twice. And a corrald removes the file only while its lock proves the file
/// is its own. A killed corrald's lock dies with it, so its successor takes the file over.
final class DaemonPIDFile {
    let path: String
    private let descriptor: OwnedDescriptor

    init(_ path: String) throws {
        self.path = path
        var attempts = 0
        while true {
            // Without blocking, then checked: a FIFO in its place must not hang the start.
            let candidate = try OwnedDescriptor.open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, mode: 0o644)
            var opened = stat()
            guard fstat(candidate.rawValue, &opened) == 0 else { throw SystemCallError.last("fstat", path) }
            guard (opened.st_mode & S_IFMT) == S_IFREG else { throw RuntimeError("'\(path)' (corrald's pid file) is not a regular file") }
            guard try candidate.tryLock(exclusive: true, path: path) else {
                let holder = FileIO.text(path)?.trimmingASCIIWhitespace ?? ""
                throw RuntimeError("another corrald (pid \(holder.isEmpty ? "unknown" : holder)) uses this state directory: "
                    + "'\(path)' is locked", code: .busy)
            }
            // The previous holder may have removed the file between our open and our lock:
            // the lock must be on the file the path names now.
            var named = stat()
            if stat(path, &named) == 0, named.st_dev == opened.st_dev, named.st_ino == opened.st_ino {
                descriptor = candidate
                break
            }
            attempts += 1
            guard attempts < 10 else { throw RuntimeError("'\(path)' keeps being replaced while corrald locks it", code: .busy) }
        }
        guard ftruncate(descriptor.rawValue, 0) == 0 else { throw SystemCallError.last("ftruncate", path) }
        guard FileIO.writeAll(descriptor.rawValue, "\(getpid())\n") else { throw SystemCallError.last("write", path) }
    }

    /// Removes the file, which is ours: we hold its lock (released when the descriptor closes).
    func remove() {
        // ENOENT: an operator removed it already; nothing else can fail that matters at exit.
        _ = unlink(path)
    }
}
