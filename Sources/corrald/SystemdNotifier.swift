import CorralRuntime
import Glibc

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

    /// Started by systemd as a service: it sets INVOCATION_ID for every unit it runs (a notify
    /// socket only for Type=notify).
    static var underSystemd: Bool { getenv("INVOCATION_ID") != nil }

    /// Under systemd (a notify socket to send to).
    var isActive: Bool { socketPath != nil && descriptor >= 0 }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Sends `state` (e.g. "READY=1\nSTATUS=3 running"); errors are not the daemon's problem.
    func notify(_ state: String) {
        guard let socketPath, descriptor >= 0, let address = UnixSocketAddress(socketPath) else { return }
        let message = Array(state.utf8)
        _ = address.withSocketAddress { sendto(descriptor, message, message.count, Int32(MSG_NOSIGNAL), $0, $1) }
    }
}
