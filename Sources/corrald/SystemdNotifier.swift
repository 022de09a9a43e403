import CorralRuntime
#if canImport(Glibc)
import Glibc
#endif

/// The sd_notify protocol without libsystemd: datagrams of `KEY=VALUE` lines to the unix
/// socket in $NOTIFY_SOCKET (a leading '@' means the abstract namespace). Silent when not
/// under systemd.
final class SystemdNotifier {
    private let socketPath: String?
    private let descriptor: Int32
    /// Half of $WATCHDOG_USEC in milliseconds, when systemd asked this process for pings.
    let watchdogInterval: Int64?

    init() {
        socketPath = getenv("NOTIFY_SOCKET").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        descriptor = socketPath == nil ? -1 : socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        let forUs = getenv("WATCHDOG_PID").map { pid_t(String(cString: $0)) == getpid() } ?? true
        if forUs, let text = getenv("WATCHDOG_USEC").map({ String(cString: $0) }), let microseconds = Int64(text), microseconds > 0 {
            watchdogInterval = max(1, microseconds / 2000)
        } else {
            watchdogInterval = nil
        }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Sends `state` (e.g. "READY=1\nSTATUS=3 running"); errors are not the daemon's problem.
    func notify(_ state: String) {
        guard let socketPath, descriptor >= 0 else { return }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            for (index, byte) in pathBytes.enumerated() { path[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count + (pathBytes.first == 0 ? 0 : 1))
        let message = Array(state.utf8)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                sendto(descriptor, message, message.count, Int32(MSG_NOSIGNAL), socketAddress, length)
            }
        }
    }
}
