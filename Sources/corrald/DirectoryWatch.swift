import CorralRuntime
import Glibc

/// inotify on the definitions directory and the state directory: which file names changed.
final class DirectoryWatch {
    let descriptor: OwnedDescriptor
    private var directories: [Int32: String] = [:]

    init() throws {
        let descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0 else { throw SystemCallError.last("inotify_init1") }
        self.descriptor = OwnedDescriptor(descriptor)
    }

    /// Watches `path` for files appearing, changing, moving and disappearing.
    func watch(_ path: String) throws {
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_ATTRIB)
        let watch = inotify_add_watch(descriptor.rawValue, path, mask)
        guard watch >= 0 else { throw SystemCallError.last("inotify_add_watch", path) }
        directories[watch] = path
    }

    /// The (directory, file name) pairs reported since the last call. After the kernel's queue
    /// overflowed (`fs.inotify.max_queued_events`: a thousand containers starting at once write
    /// some 20,000 events) events were lost: then every watched directory is reported with an
    /// empty name — anything in it may have changed.
    func changes() -> [(directory: String, name: String)] {
        var changes: [(directory: String, name: String)] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor.rawValue, $0.baseAddress, $0.count) }
            guard count > 0 else { return changes }
            var offset = 0
            buffer.withUnsafeBytes { bytes in
                while offset + MemoryLayout<inotify_event>.size <= count {
                    let event = bytes.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    let nameStart = offset + MemoryLayout<inotify_event>.size
                    if event.mask & UInt32(IN_Q_OVERFLOW) != 0 {
                        changes += directories.values.map { (directory: $0, name: "") }
                    }
                    let nameBytes = bytes[nameStart..<min(count, nameStart + Int(event.len))].prefix { $0 != 0 }
                    if let directory = directories[event.wd] {
                        changes.append((directory, String(decoding: nameBytes, as: UTF8.self)))
                    }
                    offset = nameStart + Int(event.len)
                }
            }
        }
    }
}
