import Glibc
import CCorralSys

/// A file descriptor the holder closes exactly once: explicitly, or when the owner goes away.
public final class OwnedDescriptor {
    public private(set) var rawValue: Int32

    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    /// Opens `path`, naming it in the error.
    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0) throws(SystemCallError) -> OwnedDescriptor {
        let descriptor = Glibc.open(path, flags | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw .last("open", path) }
        return OwnedDescriptor(descriptor)
    }

    public func close() {
        guard rawValue >= 0 else { return }
        _ = Glibc.close(rawValue)
        rawValue = -1
    }

    deinit { close() }
}

/// Both ends of a pipe with O_CLOEXEC, each owned.
public struct Pipe {
    public let reading: OwnedDescriptor
    public let writing: OwnedDescriptor

    public init() throws(SystemCallError) {
        var ends: [Int32] = [-1, -1]
        guard corral_pipe2(&ends, O_CLOEXEC) == 0 else { throw .last("pipe2") }
        reading = OwnedDescriptor(ends[0])
        writing = OwnedDescriptor(ends[1])
    }
}
