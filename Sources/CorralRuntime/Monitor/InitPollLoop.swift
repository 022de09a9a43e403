import CorralDomain
import Glibc

/// Waits for a container's init while handling stop requests: the first request sends the
/// stop signal, a second one — or the stop timeout — SIGKILL. Optionally copies a console to
/// a sink as it goes. One poll loop, shared by the foreground monitor and corrald's monitors.
public struct InitPollLoop {
    private let domain: Domain
    public let stopTimeoutMilliseconds: Int64

    /// Told about the steps of a stop, for logs and records.
    public enum StopEvent {
        case stopSignalSent(Int32)
        case killedAfterTimeout
    }

    public init(domain: Domain) {
        self.domain = domain
        stopTimeoutMilliseconds = Int64(domain.corral.stopTimeoutSeconds ?? ForegroundContainer.defaultStopTimeoutSeconds) * 1000
    }

    /// Another descriptor the loop watches beside init and the stop signals: a terminal's input,
    /// a console client's socket. `onReadable` returns false to be dropped from the loop.
    public struct Source {
        public let descriptor: Int32
        public let onReadable: () -> Bool

        public init(descriptor: Int32, onReadable: @escaping () -> Bool) {
            self.descriptor = descriptor
            self.onReadable = onReadable
        }
    }

    /// Runs until init is gone and returns how it ended. `console` output is handed to
    /// `consoleOutput` as it arrives and once more after init exited.
    public func wait(for container: LaunchedContainer, stopRequests: BlockedSignals, console: ConsolePTY? = nil,
                     consoleOutput: (UnsafeRawBufferPointer) -> Void = { _ in }, sources: () -> [Source] = { [] },
                     onStop: (StopEvent) -> Void = { _ in }) throws -> ContainerExit {
        var killDeadline: Int64? = nil
        while true {
            // Rebuilt each turn: sources come and go (a console client attaches, detaches).
            let extra = sources()
            var descriptors = [pollfd(fd: container.pidDescriptor.rawValue, events: Int16(POLLIN), revents: 0),
                               pollfd(fd: stopRequests.descriptor.rawValue, events: Int16(POLLIN), revents: 0),
                               pollfd(fd: console?.master.rawValue ?? -1, events: Int16(POLLIN), revents: 0)]
            descriptors += extra.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
            let wait = killDeadline.map { Int32(clamping: max(0, $0 - MonotonicClock.milliseconds())) } ?? -1
            if poll(&descriptors, nfds_t(descriptors.count), wait) < 0 {
                guard errno == EINTR else { throw SystemCallError.last("poll", "init's pidfd") }
                continue
            }
            if let console, descriptors[2].revents != 0 { console.drain(into: consoleOutput) }
            for (index, source) in extra.enumerated() where descriptors[index + 3].revents != 0 { _ = source.onReadable() }
            if descriptors[0].revents != 0 {
                // Killed by the stop (its signal, or SIGKILL after the timeout), not by the OOM killer.
                let exit = try container.reap(killedByStop: killDeadline != nil)
                console?.drain(into: consoleOutput)
                return exit
            }
            if descriptors[1].revents != 0 {
                guard !stopRequests.pending().isEmpty else { continue }
                if killDeadline == nil {
                    // Decided when it is needed, from what init runs then (see StopSignal).
                    let stopSignal = StopSignal.resolve(domain, initPID: container.pid)
                    onStop(.stopSignalSent(stopSignal))
                    container.send(stopSignal)
                    killDeadline = MonotonicClock.milliseconds() + stopTimeoutMilliseconds
                } else {
                    container.killAll()
                }
            } else if let deadline = killDeadline, MonotonicClock.milliseconds() >= deadline {
                onStop(.killedAfterTimeout)
                container.killAll()
                killDeadline = Int64.max
            }
        }
    }
}

extension ConsolePTY {
    /// Hands whatever the console holds now to `sink`; never blocks.
    public func drain(into sink: (UnsafeRawBufferPointer) -> Void) {
        ConsoleRelay.drain(master.rawValue, into: sink)
    }
}

extension ConsoleRelay {
    /// Hands whatever the pty master `descriptor` holds now to `sink`; never blocks.
    public static func drain(_ descriptor: Int32, into sink: (UnsafeRawBufferPointer) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 0) > 0, ready.revents & Int16(POLLIN) != 0 else { return }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            buffer.withUnsafeBytes { sink(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
    }
}
