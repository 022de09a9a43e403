import CorralDomain
import Glibc
import CCorralSys

/// Launches one container, waits for its init and reports how it ended. Single-threaded on
/// purpose: one pidfd and one signalfd in a poll loop (`InitPollLoop`), no reaper racing a
/// waiter, and nothing that could hold a lock across the launcher's clone.
public struct ForegroundContainer {
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
        let watch = InitPollLoop(domain: domain)
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
                                  return [InitPollLoop.Source(descriptor: 0) {
                                      inputOpen = ConsoleRelay.forwardInput(from: 0, to: console.master.rawValue)
                                      return inputOpen
                                  }]
                              })
    }
}
