import Glibc

/// A unix socket's address — a path, or with a leading '@' an abstract name (as systemd writes
/// NOTIFY_SOCKET) — handed to bind, connect or sendto.
public struct UnixSocketAddress {
    private var address = sockaddr_un()
    private let length: socklen_t

    /// nil when `path` does not fit in sun_path.
    public init?(_ path: String) {
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        guard !bytes.isEmpty, bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            for (index, byte) in bytes.enumerated() { path[index] = byte }
        }
        // An abstract name is exactly its bytes; a path also counts its terminating NUL.
        length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes[0] == 0 ? 0 : 1))
    }

    /// Calls `body` with the address as the sockaddr the socket calls take.
    public func withSocketAddress<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        withUnsafePointer(to: address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}
