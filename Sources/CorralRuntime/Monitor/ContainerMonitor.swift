import CorralDomain
#if canImport(Glibc)
import Glibc
#endif
import CCorralSys

/// Launches one container, waits for its init and reports how it ended. Single-threaded on
/// purpose: one pidfd and one signalfd in a poll loop (`InitWatch`), no reaper racing a
/// waiter, and nothing that could hold a lock across the launcher's clone.
public struct ContainerMonitor {
    public let domain: Domain
    public let file: String
    public let paths: RuntimePaths

    /// Default graceful-stop signal and time before SIGKILL (overridable in Corral's metadata).
    public static let defaultStopSignal = SIGTERM
    public static let defaultStopTimeoutSeconds: UInt32 = 10

    public init(domain: Domain, file: String, paths: RuntimePaths) {
        self.domain = domain
        self.file = file
        self.paths = paths
    }

    /// Runs the container to its end. SIGINT and SIGTERM to the monitor stop the container
    /// gracefully: the stop signal to init, SIGKILL once the timeout has passed (or on a second
    /// request).
    public func run() throws -> ContainerExit {
        let stopRequests = try BlockedSignals.stopRequests()
        let container = try ContainerLauncher.launch(domain, file: file, paths: paths)
        defer { container.cleanUp() }
        return try InitWatch(domain: domain).wait(for: container, stopRequests: stopRequests)
    }
}

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

public enum MonotonicClock {
    public static func microseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
    }

    public static func milliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
