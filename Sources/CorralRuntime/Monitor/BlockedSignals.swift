import CorralDomain
import Glibc
import CCorralSys

/// Signals blocked and read from a signalfd, so a poll loop sees them in turn with its other
/// descriptors. The blocked mask is inherited by a container's child, which clears it before
/// exec, and by nothing else: monitors are spawned with a clean mask.
public final class BlockedSignals {
    public let descriptor: OwnedDescriptor

    /// SIGINT and SIGTERM: what asks a monitor to stop its container.
    public static func stopRequests() throws -> BlockedSignals { try BlockedSignals([SIGINT, SIGTERM]) }

    public init(_ signals: [Int32]) throws {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        guard sigprocmask(SIG_BLOCK, &set, nil) == 0 else { throw SystemCallError.last("sigprocmask") }
        let descriptor = signalfd(-1, &set, Int32(SFD_CLOEXEC | SFD_NONBLOCK))
        guard descriptor >= 0 else { throw SystemCallError.last("signalfd") }
        self.descriptor = OwnedDescriptor(descriptor)
    }

    /// Waits until `descriptor` is readable (or closed): nil then; or, when a stop request
    /// comes first, the first signal pending. `what` names the descriptor in a poll error.
    func waitUntilReadable(_ descriptor: OwnedDescriptor, what: String) throws -> Int32? {
        var descriptors = [pollfd(fd: descriptor.rawValue, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: self.descriptor.rawValue, events: Int16(POLLIN), revents: 0)]
        while true {
            if poll(&descriptors, 2, -1) < 0 {
                guard errno == EINTR else { throw SystemCallError.last("poll", what) }
                continue
            }
            if descriptors[0].revents != 0 { return nil }
            if descriptors[1].revents != 0, let signal = pending().first { return signal }
        }
    }

    /// Blocks until one of the signals arrives; returns it.
    public func next() throws -> Int32 {
        var descriptors = [pollfd(fd: descriptor.rawValue, events: Int16(POLLIN), revents: 0)]
        while true {
            if poll(&descriptors, 1, -1) < 0 {
                guard errno == EINTR else { throw SystemCallError.last("poll", "signalfd") }
                continue
            }
            if let signal = pending().first { return signal }
        }
    }

    /// The signals received since the last call, in order.
    public func pending() -> [Int32] {
        var signals: [Int32] = []
        var info = signalfd_siginfo()
        while read(descriptor.rawValue, &info, MemoryLayout<signalfd_siginfo>.size) == MemoryLayout<signalfd_siginfo>.size {
            signals.append(Int32(info.ssi_signo))
        }
        return signals
    }
}
