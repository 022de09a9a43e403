import CorralDomain
import Glibc
import CCorralSys

/// Launches one container, waits for its init and reports how it ended. Single-threaded on
/// purpose: one pidfd and one signalfd in a poll loop (`InitWatch`), no reaper racing a
/// waiter, and nothing that could hold a lock across the launcher's clone.
public struct ContainerMonitor {
    public let domain: Domain
    public let file: String
    public let paths: RuntimePaths

    /// Default time between the stop signal (see StopSignal) and SIGKILL, overridable in
    /// Corral's metadata.
    public static let defaultStopTimeoutSeconds: UInt32 = 10

    public init(domain: Domain, file: String, paths: RuntimePaths) {
        self.domain = domain
        self.file = file
        self.paths = paths
    }

    /// Runs the container to its end. SIGINT and SIGTERM to the monitor stop the container
    /// gracefully: the stop signal to init, SIGKILL once the timeout has passed (or on a second
    /// request).
    ///
    /// The container never gets the caller's terminal. With `<console type='pty'>`, or when the
    /// caller's stdin is a terminal, init gets a pty as its terminal and /dev/console (what a
    /// system init such as systemd expects), relayed to this process's stdout — and from its
    /// stdin when that is a terminal, in raw mode, where Ctrl-] asks for a graceful stop.
    /// Otherwise init gets the caller's stdin, stdout and stderr, except that those which are
    /// a terminal are replaced by pipes the monitor copies from.
    public func run() throws -> ContainerExit {
        let stopRequests = try BlockedSignals.stopRequests()
        let interactive = isatty(0) == 1
        let console = domain.console != nil || interactive ? try ConsolePTY(forTerminal: isatty(1) == 1) : nil
        if interactive { console?.copySize(from: 0) }
        let outputs = console == nil ? try TerminalOutputPipes() : nil
        let container = try ContainerLauncher.launch(domain, file: file, paths: paths, console: console,
                                                     standardStreams: outputs?.standardStreams ?? (-1, -1, -1),
                                                     stopRequests: stopRequests)
        defer { container.cleanUp() }
        let watch = InitWatch(domain: domain, paths: paths)
        guard let console else {
            outputs?.closeContainerEnds()
            defer { outputs?.drain() }
            return try watch.wait(for: container, stopRequests: stopRequests, sources: { outputs?.sources() ?? [] })
        }
        let terminal = RawTerminal(descriptor: 0)
        defer { terminal?.restore() }
        var inputOpen = terminal != nil
        return try watch.wait(for: container, stopRequests: stopRequests, console: console,
                              consoleOutput: { FileIO.writeAll(1, $0) },
                              sources: {
                                  guard inputOpen else { return [] }
                                  return [InitWatch.Source(descriptor: 0) {
                                      inputOpen = ConsoleRelay.forwardInput(from: 0, to: console.master.rawValue)
                                      return inputOpen
                                  }]
                              })
    }
}

/// Moving console bytes between descriptors.
public enum ConsoleRelay {
    /// The key that detaches a console client or, under `corralctl run`, asks for a stop: Ctrl-].
    public static let escape: UInt8 = 0x1D

    /// Copies what `input` has to the console; Ctrl-] becomes a stop request instead. False at
    /// end of input.
    public static func forwardInput(from input: Int32, to console: Int32) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
        guard count > 0 else { return false }
        let (keys, escaped) = ConsoleRelay.keys(buffer[0..<count])
        keys.withUnsafeBytes { _ = FileIO.writeWithoutBlocking(console, $0) }
        if escaped {
            // The stop request, as SIGTERM would make it: the poll loop reads it next.
            kill(getpid(), SIGTERM)
            return false
        }
        return true
    }

    /// The keys typed before Ctrl-], and whether Ctrl-] was among them.
    public static func keys(_ typed: ArraySlice<UInt8>) -> (keys: ArraySlice<UInt8>, escaped: Bool) {
        guard let escape = typed.firstIndex(of: ConsoleRelay.escape) else { return (typed, false) }
        return (typed[..<escape], true)
    }
}

/// A terminal put in raw mode (every key straight to the container), restored afterwards.
public final class RawTerminal {
    private let descriptor: Int32
    private var saved = termios()

    /// nil when `descriptor` is not a terminal.
    public init?(descriptor: Int32) {
        guard isatty(descriptor) == 1, tcgetattr(descriptor, &saved) == 0 else { return nil }
        self.descriptor = descriptor
        var raw = saved
        cfmakeraw(&raw)
        tcsetattr(descriptor, TCSANOW, &raw)
    }

    public func restore() {
        tcsetattr(descriptor, TCSANOW, &saved)
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
