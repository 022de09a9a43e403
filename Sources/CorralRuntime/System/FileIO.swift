import Glibc

/// Whole reads and writes on descriptors and small files — state records, cgroup files, /proc
/// entries, logs, pipes — without Foundation, retrying interrupted calls in one place.
public enum FileIO {
    /// What a small file — a record, a cgroup or /proc file — may hold: more is refused.
    public static let maximumFileSize = 16 << 20

    /// Where the symbolic link `path` points (`/proc/PID/exe`: the program a process runs), or
    /// nil when it is no link or cannot be read.
    public static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink(path, &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The file's bytes as UTF-8 text, or nil when it cannot be opened or read.
    public static func text(_ path: String) -> String? {
        bytes(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The bytes of the regular file at `path`, at most `maximumFileSize` of them; nil when it
    /// cannot be read, or is anything else: opened without blocking and checked first, so a
    /// FIFO or a link to /dev/zero where a record should be never hangs or floods the reader.
    public static func bytes(atPath path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        return readAll(descriptor, limit: maximumFileSize)
    }

    /// Everything `descriptor` yields until end of file; nil on a read error, or past `limit`
    /// bytes.
    public static func readAll(_ descriptor: Int32, limit: Int = Int.max) -> [UInt8]? {
        var bytes: [UInt8] = []
        // Not zeroed: read(2) writes only what it returns, so a small file touches one page of
        // it, not four (each a page fault at every start).
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 16384, alignment: 16)
        defer { chunk.deallocate() }
        while true {
            let count = read(descriptor, chunk.baseAddress, chunk.count)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { return bytes }
            guard bytes.count + count <= limit else { return nil }
            bytes += UnsafeRawBufferPointer(rebasing: chunk[0..<count])
        }
    }

    /// Writes all of `bytes`, retrying interrupted and would-block writes; false on any other
    /// error (errno tells which).
    @discardableResult
    public static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = write(descriptor, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard count > 0 else { return false }
            offset += count
        }
        return true
    }

    /// Opens `path` for writing (it must exist: a cgroup or /proc file) and writes `text` in one
    /// write(2), as such files want it; throws the failing call.
    public static func writeExisting(_ path: String, _ text: String) throws(SystemCallError) {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .last("open", path) }
        defer { close(descriptor) }
        var bytes = Array(text.utf8)
        while true {
            let count = bytes.withUnsafeMutableBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count == bytes.count else { throw SystemCallError("write '\(text)' to", [path], errno: count < 0 ? errno : EIO) }
            return
        }
    }

    /// Writes what a non-blocking `descriptor` takes now and drops the rest: for a container's
    /// console, where input nobody reads must never block the monitor. False on an error.
    @discardableResult
    public static func writeWithoutBlocking(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = write(descriptor, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if count < 0 && errno == EINTR { continue }
            if count < 0 && errno == EAGAIN { return true }
            guard count > 0 else { return false }
            offset += count
        }
        return true
    }

    /// Opens (creating it, mode 0640) the log file `path` to append to; the caller owns the
    /// descriptor. Only a regular file: a symbolic link is not followed (ELOOP) and a FIFO or a
    /// device is refused — opened without blocking first, as a FIFO with no reader would block
    /// its opener (corrald itself, for every container) until one came.
    public static func openLog(_ path: String) throws(SystemCallError) -> Int32 {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0o640)
        // ENXIO: a FIFO with no reader (or a socket), which a blocking open would wait on.
        guard descriptor >= 0 else { throw .last("open", path, detail: errno == ENXIO ? "log: not a regular file" : "log") }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw SystemCallError("open", [path], detail: "log: not a regular file", errno: EINVAL)
        }
        // A regular file: writes to it never wait anyway; the descriptor reads as a plain one
        // (F_SETFL with these flags cannot fail on an open descriptor).
        _ = fcntl(descriptor, F_SETFL, O_APPEND)
        return descriptor
    }

    /// Writes `text` to `path` through a temporary file and rename(2): readers see the old
    /// file or the new one, never a half-written one.
    public static func writeAtomically(_ text: String, to path: String, mode: mode_t = 0o644) throws {
        var bytes = Array(text.utf8)
        try bytes.withUnsafeMutableBytes { try writeAtomically(UnsafeRawBufferPointer($0), to: path, mode: mode) }
    }

    public static func writeAtomically(_ bytes: UnsafeRawBufferPointer, to path: String, mode: mode_t = 0o644) throws {
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw SystemCallError.last("open", temporary) }
        guard writeAll(descriptor, bytes) else {
            let error = SystemCallError.last("write", temporary)
            close(descriptor)
            // The temporary file is ours; nothing else can use it.
            _ = unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else { throw SystemCallError.last("rename", temporary, path, relation: "to") }
    }

    @discardableResult
    public static func writeAll(_ descriptor: Int32, _ text: String) -> Bool {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBytes { writeAll(descriptor, UnsafeRawBufferPointer($0)) }
    }

    /// The names in a directory (without `.` and `..`), and whether each is a directory;
    /// empty when it cannot be read.
    public static func entries(of directory: String) -> [(name: String, isDirectory: Bool)] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var entries: [(name: String, isDirectory: Bool)] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { entries.append((name, entry.pointee.d_type == UInt8(DT_DIR))) }
        }
        return entries
    }
}
