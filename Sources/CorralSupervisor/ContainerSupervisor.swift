import CorralDomain
import CorralRuntime
import Glibc

/// What a monitor started by corrald does for its one container, until it is told to stop or
/// the policy says the container stays down: launch init on a console pty, copy the console
/// to the log, apply on_poweroff / on_reboot / on_crash with back-off, and record every
/// transition in STATE_DIR/NAME.state. Single-threaded: one poll loop over init's pidfd, the
/// stop signals and the console.
public final class ContainerSupervisor {
    let domain: Domain
    /// The user's file, which messages name.
    let definition: String
    let paths: RuntimePaths
    let state: StateDirectory
    let log: ConsoleLog
    let console: ConsolePTY
    let stopRequests: BlockedSignals
    let consoleServer: ConsoleServer
    /// The consoles after the first: /dev/tty1, /dev/tty2, …
    let ttys: [TTYConsole]
    private var record: ContainerRecord
    private var stopRequested = false

    public init(domain: Domain, definition: String, paths: RuntimePaths,
                logDirectory: String) throws {
        self.domain = domain
        self.definition = definition
        self.paths = paths
        state = StateDirectory(paths.stateDirectory)
        stopRequests = try BlockedSignals.stopRequests()
        log = try ConsoleLog(path: ConsoleLog.path(in: logDirectory, container: domain.name))
        console = try ConsolePTY()
        consoleServer = try ConsoleServer(path: StateDirectory(paths.stateDirectory).console(of: domain.name))
        let state = StateDirectory(paths.stateDirectory)
        ttys = try (1..<max(1, domain.consoles.count)).map {
            try TTYConsole(number: $0, container: domain.name, logDirectory: logDirectory, state: state)
        }
        record = ContainerRecord(name: domain.name, phase: .starting, monitorPID: getpid(),
                                 monitorStartTime: ProcessIdentity.ownStartTime,
                                 definition: definition, since: WallClock.now())
    }

    /// Supervises until the container stays down; returns the monitor's exit code.
    public func run() -> Int32 {
        for warning in domain.warnings(file: definition, atStart: true) { log.event(warning) }
        while true {
            // A start that fails has no uptime: an earlier run's must not reset the back-off.
            record.startedAt = nil
            transition(to: .starting)
            let exit: ContainerExit
            do {
                try console.renewSlave()
                for tty in ttys { try tty.pty.renewSlave() }
                let container = try ContainerLauncher.launch(domain, file: definition, paths: paths, console: console,
                                                             ttys: ttys.map(\.pty), stopRequests: stopRequests)
                record.initPID = container.pid
                record.cgroup = container.cgroup?.relativePath
                record.startedAt = WallClock.now()
                record.message = nil
                transition(to: .running)
                log.event("started \(domain.name), init pid \(container.pid)")
                exit = try supervise(container)
            } catch let interrupted as LaunchInterrupted {
                stopRequested = true
                record.message = nil
                log.event("\(interrupted)")
                exit = ContainerExit(status: .exited(ForegroundRun.setupFailed))
            } catch {
                // A container that cannot start is a crash: it follows on_crash, with back-off,
                // and the reason stays visible in the record and the log.
                record.message = "cannot start: \(error)"
                log.event(record.message ?? "")
                exit = ContainerExit(status: .exited(ForegroundRun.setupFailed))
            }
            record.initPID = nil
            record.lastExit = exit.description
            if stopRequested {
                record.lastExit = "\(exit.how) (stopped on request)"
                log.event("stopped on request: \(exit.how)")
                return finish()
            }
            let action = RestartPolicy.action(for: exit.reason, lifecycle: domain.lifecycle)
            guard action == .restart else {
                log.event("\(exit); \(onAction(exit.reason)) is \(action.rawValue)")
                return finish()
            }
            let uptime = record.startedAt.map { WallClock.now() - $0 } ?? 0
            record.consecutiveRestarts = RestartPolicy.consecutive(after: uptime, previous: record.consecutiveRestarts)
            let delay = RestartPolicy.delay(consecutive: record.consecutiveRestarts, reason: exit.reason)
            record.restarts += 1
            record.nextStart = WallClock.now() + delay
            if record.consecutiveRestarts >= RestartPolicy.crashLoopRestarts {
                // The last problem stays in the message: it is what the operator must fix.
                // (A successful start clears it, so it is never an earlier crash-loop message.)
                let problem = record.message.map { "; " + $0 } ?? ""
                record.message = "crash loop: \(record.consecutiveRestarts) restarts in a row, next in \(delay) s\(problem)"
            }
            transition(to: .backoff)
            log.event("\(exit); restarting in \(delay) s (restart \(record.restarts))")
            if !waitBeforeRestart(seconds: delay) {
                log.event("stopped on request during back-off")
                return finish()
            }
            record.nextStart = nil
        }
    }

    private func onAction(_ reason: ContainerExit.Reason) -> String {
        switch reason {
        case .poweredOff: "on_poweroff"
        case .rebooted: "on_reboot"
        case .crashed: "on_crash"
        }
    }

    private func finish() -> Int32 {
        transition(to: .stopped)
        // No one can attach to a stopped container (and the process exits without deinit).
        consoleServer.close()
        for tty in ttys { tty.server.close() }
        return 0
    }

    private func transition(to phase: ContainerRecord.Phase) {
        record.phase = phase
        record.since = WallClock.now()
        do {
            try state.write(record)
        } catch {
            log.event("cannot write the state record: \(error)")
        }
    }

    /// Copies the console to the log and handles stop requests until init is gone.
    private func supervise(_ container: LaunchedContainer) throws -> ContainerExit {
        container.onCleanUpProblem = { [log] in log.event($0) }
        defer {
            for tty in ttys { tty.copy() }
            container.cleanUp()
        }
        let watch = InitPollLoop(domain: domain)
        return try watch.wait(for: container, stopRequests: stopRequests, console: console,
                              consoleOutput: { log.appendConsole($0); consoleServer.send($0) },
                              sources: { consoleServer.sources(console: console) + ttys.flatMap { $0.sources() } }, onStop: { event in
            switch event {
            case .stopSignalSent(let signal):
                stopRequested = true
                transition(to: .stopping)
                log.event("stopping: \(Signal(number: signal).map(\.description) ?? "signal \(signal)") to init")
            case .killedAfterTimeout:
                log.event("init did not stop within \(watch.stopTimeoutMilliseconds / 1000) s: SIGKILL")
            }
        })
    }

    private func copyConsole() {
        console.drain { log.appendConsole($0); consoleServer.send($0) }
        for tty in ttys { tty.copy() }
    }

    /// Sleeps through the back-off, still logging the console; false when a stop came first.
    private func waitBeforeRestart(seconds: Int64) -> Bool {
        let deadline = MonotonicClock.milliseconds() + seconds * 1000
        var descriptors = [pollfd(fd: stopRequests.descriptor.rawValue, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: console.master.rawValue, events: Int16(POLLIN), revents: 0)]
        while true {
            let remaining = deadline - MonotonicClock.milliseconds()
            if remaining <= 0 { return true }
            if poll(&descriptors, nfds_t(descriptors.count), Int32(clamping: remaining)) < 0 {
                // Interrupted: try again. Anything else cannot be waited out: restart now.
                if errno == EINTR { continue }
                log.event("waiting before the restart: \(SystemCallError.last("poll"))")
                return true
            }
            if descriptors[1].revents != 0 { copyConsole() }
            if descriptors[0].revents != 0 {
                _ = stopRequests.pending()
                stopRequested = true
                return false
            }
        }
    }
}
