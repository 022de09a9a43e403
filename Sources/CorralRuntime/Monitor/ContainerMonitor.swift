import CorralDomain
#if canImport(Glibc)
import Glibc
#endif
import CCorralSys

/// Launches one container, waits for its init and reports how it ended. Single-threaded on
/// purpose: one pidfd and one signalfd in a poll loop, no reaper racing a waiter, and nothing
/// that could hold a lock across the launcher's clone.
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
        let stopRequests = try StopRequestSignals()
        let container = try ContainerLauncher.launch(domain, file: file, paths: paths)
        defer { container.cleanUp() }
        return try supervise(container, stopRequests: stopRequests)
    }

    private func supervise(_ container: LaunchedContainer, stopRequests: StopRequestSignals) throws -> ContainerExit {
        let stopSignal = domain.corral.stopSignal?.number ?? ContainerMonitor.defaultStopSignal
        let timeout = Int64(domain.corral.stopTimeoutSeconds ?? ContainerMonitor.defaultStopTimeoutSeconds) * 1000
        var killDeadline: Int64? = nil
        var descriptors = [pollfd(fd: container.pidDescriptor.rawValue, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: stopRequests.descriptor.rawValue, events: Int16(POLLIN), revents: 0)]
        while true {
            let wait = killDeadline.map { Int32(clamping: max(0, $0 - MonotonicClock.milliseconds())) } ?? -1
            let ready = poll(&descriptors, nfds_t(descriptors.count), wait)
            if ready < 0 {
                guard errno == EINTR else { throw SystemCallError.last("poll", "init's pidfd") }
                continue
            }
            if descriptors[0].revents != 0 { return try container.reap() }
            if descriptors[1].revents != 0 {
                stopRequests.consume()
                if killDeadline == nil {
                    container.send(stopSignal)
                    killDeadline = MonotonicClock.milliseconds() + timeout
                } else {
                    container.send(SIGKILL)
                }
            } else if let deadline = killDeadline, MonotonicClock.milliseconds() >= deadline {
                container.send(SIGKILL)
                killDeadline = Int64.max
            }
        }
    }
}

/// SIGINT and SIGTERM, blocked and read from a signalfd, so the poll loop sees them in turn.
/// The blocked mask is inherited by the container's child, which clears it before exec.
public final class StopRequestSignals {
    public let descriptor: OwnedDescriptor

    public init() throws {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        guard sigprocmask(SIG_BLOCK, &set, nil) == 0 else { throw SystemCallError.last("sigprocmask") }
        let descriptor = signalfd(-1, &set, Int32(SFD_CLOEXEC))
        guard descriptor >= 0 else { throw SystemCallError.last("signalfd") }
        self.descriptor = OwnedDescriptor(descriptor)
    }

    public func consume() {
        var info = signalfd_siginfo()
        _ = read(descriptor.rawValue, &info, MemoryLayout<signalfd_siginfo>.size)
    }
}

public enum MonotonicClock {
    public static func milliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
