import CorralDomain
import CorralRuntime
import CorralSupervisor
import Logging
import Glibc

/// corrald's event loop: one poll over the signalfd, the inotify descriptor and every
/// monitor's pidfd. Keeps the running containers in line with the definitions directory.
final class Daemon {
    /// A container corrald knows: what it runs, from which file, and its monitor if any.
    final class Container {
        /// The key of `containers`: the name of the definition it runs.
        let name: String
        var domain: Domain
        var file: String
        var monitor: MonitorProcess?
        /// What to do once the monitor has exited: start this definition (changed), or forget
        /// the container (its file was removed).
        var next: Next = .keepStopped
        var lastPhase: ContainerRecord.Phase?
        /// A monitor that died without recording a stop (or could not be spawned) is started
        /// again at this time, with the containers' own back-off. Set by `retryLater` alone,
        /// which notes the container in `timedContainers`.
        var restartAt: Int64?
        /// Monitors in a row that died or could not be spawned; reset once one has run its
        /// container for RestartPolicy.resetAfterSeconds.
        var monitorFailures = 0
        /// When its current monitor's record last said "running".
        var runningSince: Int64?
        /// Asked to stop: SIGKILL for the monitor if it is still there at this time. Set by
        /// `stop` alone, which notes the container in `timedContainers`.
        var killAt: Int64?

        enum Next {
            case keepStopped
            case start(Domain, file: String)
            case forget
        }

        init(name: String, domain: Domain, file: String) {
            self.name = name
            self.domain = domain
            self.file = file
        }
    }

    private(set) var options: DaemonOptions
    let logger: Logger
    let state: StateDirectory
    let notifier = SystemdNotifier()
    var containers: [String: Container] = [:]
    /// The names of the containers that may have a restart or a SIGKILL pending: all the
    /// loop's deadline and due work look at, rather than every container at every wake-up
    /// (a thousand starting wake it thousands of times). A name stays until both are done.
    var timedContainers: Set<String> = []
    /// What each definition file held when last read: a reload parses only files that changed.
    private var parsedDefinitions: [String: DefinitionScan.Parsed] = [:]
    /// The container each definition file provided last, so an invalid edit keeps it running.
    var containerOfFile: [String: String] = [:]
    var shuttingDown = false
    /// SIGTERM came with a restart of corrald's unit: exit at once and leave every monitor
    /// and container to the next corrald.
    private var leavingContainers = false
    /// Whether systemd can start a new corrald while the containers run: false when they live
    /// in corrald's own cgroup2 subtree (see CgroupHolder).
    private var containersSurviveRestart = false
    /// The hierarchy root and the subtree of `corrald --hold-cgroups`, when one holds it.
    var heldCgroup: (root: String, cgroup: DelegatedCgroup)?
    /// The holder's monitor leaf, which new monitors are cloned straight into.
    var monitorCgroup: OwnedDescriptor?
    private var reconcileAt: Int64?
    /// corrald's wake-ups: the signalfd, the inotify descriptor and each monitor's pidfd.
    let events: EventPoll
    /// The container of each watched monitor, by its pidfd (the epoll token).
    var monitorNames: [Int32: String] = [:]
    static let signalToken = UInt64.max
    static let watchToken = UInt64.max - 1
    private var nextWatchdog: Int64?
    /// STATUS= is sent at most every `statusInterval` ms: a thousand containers starting would
    /// otherwise send thousands, each counting every container.
    private var statusDueAt: Int64?
    private var lastStatusAt: Int64 = 0
    static let statusInterval: Int64 = 100

    /// The counts changed: systemd hears of it soon (only under systemd).
    func statusChanged() {
        guard notifier.isActive, statusDueAt == nil else { return }
        statusDueAt = max(MonotonicClock.milliseconds(), lastStatusAt + Daemon.statusInterval)
    }

    /// Editors write a file in several steps; one reconcile shortly after the last event.
    static let settleMilliseconds: Int64 = 50

    init(options: DaemonOptions, logger: Logger) throws {
        self.options = options
        self.logger = logger
        state = StateDirectory(options.stateDirectory)
        events = try EventPoll()
        for directory in [options.stateDirectory, options.logDirectory, options.configDirectory] {
            try HostDirectory.create(directory, mode: 0o755, parents: true)
        }
    }

    func run() -> Int32 {
        // Whatever our parent left open (a supervisor's pipe, a test harness's socket) must not
        // reach the monitors, which outlive us and would keep it open.
        ProcessControl.closeInheritedDescriptorsOnExec()
        var pidFile: DaemonPIDFile? = nil
        do {
            pidFile = try DaemonPIDFile(state.daemonPIDFile)
            try useDelegatedCgroup()
            let signals = try BlockedSignals([SIGHUP, SIGTERM, SIGINT, SIGUSR1])
            let watch = try DirectoryWatch()
            try watch.watch(options.configDirectory)
            try watch.watch(options.stateDirectory)
            adoptRunningMonitors()
            warmExecutables()
            reconcile()
            notifier.notify("READY=1\nSTATUS=\(statusSummary())")
            logger.info("corrald ready: \(statusSummary()); definitions in \(options.configDirectory)")
            nextWatchdog = notifier.watchdogInterval.map { MonotonicClock.milliseconds() + $0 }
            try loop(signals: signals, watch: watch)
        } catch {
            logger.critical("corrald: \(error)")
            pidFile?.remove()
            return 1
        }
        pidFile?.remove()
        logger.info("corrald stopped")
        return 0
    }

    /// Under systemd (and no cgroup-parent configured), where containers go:
    /// - on cgroup2, into the subtree `corrald --hold-cgroups` holds (corral-containers.service),
    ///   monitors beside them, so that corrald's own unit can be restarted with them running;
    /// - without that holder, into corrald's own delegated subtree, corrald in a leaf (a restart
    ///   must then stop them: see CgroupHolder);
    /// - on a hybrid or v1 host, below the `corral` default, outside every unit.
    private func useDelegatedCgroup() throws {
        guard !options.cgroupParentIsExplicit, SystemdNotifier.underSystemd, let layout = CgroupLayout.detect() else { return }
        guard case .unified(let root) = layout else {
            containersSurviveRestart = true
            return
        }
        if let held = CgroupHolder.held(stateDirectory: options.stateDirectory, root: root) {
            options.cgroupParent = held.containerParent
            heldCgroup = (root, held)
            containersSurviveRestart = true
            // Where monitors are spawned (CLONE_INTO_CGROUP); without it they stay in
            // corrald's unit, which works but makes that unit hold them.
            do {
                try HostDirectory.create("\(root)/\(held.monitorLeaf)", detail: "cgroup")
                monitorCgroup = try OwnedDescriptor.open("\(root)/\(held.monitorLeaf)", O_RDONLY | O_DIRECTORY)
            } catch {
                logger.warning("cgroups: monitors stay in corrald's cgroup: \(error)")
            }
            logger.info("cgroups: containers in /\(held.containerParent)/NAME, monitors in /\(held.monitorLeaf) (held by corrald --hold-cgroups)")
            return
        }
        guard let own = DelegatedCgroup.ownCgroup(),
              let delegated = DelegatedCgroup(own: own, layout: layout, underSystemd: true, leafName: "daemon") else { return }
        try delegated.enter(root: root)
        options.cgroupParent = delegated.containerParent
        logger.warning("cgroups: corrald in /\(delegated.leaf), containers in /\(delegated.containerParent)/NAME: no corral-containers.service holds a subtree for them, so a restart of corrald stops them")
    }

    private func loop(signals: BlockedSignals, watch: DirectoryWatch) throws {
        try events.add(signals.descriptor.rawValue, token: Daemon.signalToken, what: "signalfd")
        try events.add(watch.descriptor.rawValue, token: Daemon.watchToken, what: "inotify")
        while !leavingContainers && !(shuttingDown && monitorNames.isEmpty) {
            let timeout = nextDeadline().map { Int32(clamping: max(0, $0 - MonotonicClock.milliseconds())) } ?? -1
            let ready = try events.wait(timeout: timeout)
            // Monitors first, then the directories, then signals: as they happened, mostly.
            for token in ready where token != Daemon.signalToken && token != Daemon.watchToken {
                if let name = monitorNames[Int32(truncatingIfNeeded: token)] { monitorExited(name) }
            }
            if ready.contains(Daemon.watchToken) { directoryChanged(watch.changes()) }
            if ready.contains(Daemon.signalToken) {
                for signal in signals.pending() { handle(signal) }
            }
            runDueWork()
        }
    }

    private func nextDeadline() -> Int64? {
        let timed = timedContainers.compactMap { containers[$0] }
        let restarts = timed.compactMap(\.restartAt).map { $0 * 1000 - WallClock.now() * 1000 + MonotonicClock.milliseconds() }
        let kills = timed.filter { $0.monitor != nil }.compactMap(\.killAt)
        return ([reconcileAt, nextWatchdog, statusDueAt].compactMap { $0 } + restarts + kills).min()
    }

    private func runDueWork() {
        let now = MonotonicClock.milliseconds()
        if let due = reconcileAt, due <= now, !shuttingDown {
            reconcileAt = nil
            reconcile()
        }
        if let due = statusDueAt, due <= now {
            statusDueAt = nil
            lastStatusAt = now
            notifier.notify("STATUS=\(statusSummary())")
        }
        if let due = nextWatchdog, due <= now, let interval = notifier.watchdogInterval {
            notifier.notify("WATCHDOG=1")
            nextWatchdog = now + interval
        }
        for name in timedContainers {
            guard let container = containers[name], container.restartAt != nil || container.killAt != nil else {
                timedContainers.remove(name)
                continue
            }
            if let at = container.restartAt, at <= WallClock.now(), !shuttingDown {
                container.restartAt = nil
                start(name, container)
            }
            if let at = container.killAt, at <= now, let monitor = container.monitor {
                container.killAt = nil
                logger.error("\(name): its monitor (pid \(monitor.pid)) did not stop within the stop timeout; SIGKILL")
                monitor.kill()
            }
        }
    }

    // MARK: Signals

    private func handle(_ signal: Int32) {
        switch signal {
        case SIGHUP:
            let start = MonotonicClock.microseconds()
            let count = reconcile()
            let elapsed = MonotonicClock.microseconds() - start
            logger.info("SIGHUP: re-read \(count) definition(s) in \(options.configDirectory) in \(elapsed / 1000).\(elapsed % 1000 / 100) ms")
        case SIGTERM, SIGINT:
            guard !shuttingDown else { return }
            shuttingDown = true
            let running = containers.filter { $0.value.monitor != nil }
            if signal == SIGTERM, let unit = restartingUnit() {
                leavingContainers = true
                logger.info("SIGTERM for a restart of \(unit): leaving \(running.count) container(s) running for the next corrald")
                notifier.notify("STOPPING=1\nSTATUS=restarting; \(running.count) container(s) left running")
                return
            }
            logger.info("\(signal == SIGTERM ? "SIGTERM" : "SIGINT"): stopping \(running.count) container(s)")
            notifier.notify("STOPPING=1\nSTATUS=stopping \(running.count) container(s)")
            for (name, container) in running {
                logger.info("\(name): stopping")
                stop(container)
            }
        case SIGUSR1:
            writeStatusReport()
        default:
            break
        }
    }

    /// corrald's unit, when systemd is restarting it and the containers can stay (see SystemdJob);
    /// nil for a stop, a shutdown, a stop or restart of the holder's unit (which takes the
    /// containers with it), or when not under systemd.
    private func restartingUnit() -> String? {
        guard SystemdNotifier.underSystemd, let unit = DelegatedCgroup.ownCgroup().flatMap(DelegatedCgroup.unit(of:)) else { return nil }
        do {
            let jobs = try SystemdJob.listing()
            guard SystemdJob.jobType(of: unit, inListing: jobs) == "restart" else { return nil }
            guard containersSurviveRestart else {
                logger.info("SIGTERM for a restart of \(unit): its containers are in its own cgroup, which systemd needs empty to start corrald again; stopping them")
                return nil
            }
            if let holder = heldCgroup.flatMap({ DelegatedCgroup.unit(of: $0.cgroup.subtree) }),
               let job = SystemdJob.jobType(of: holder, inListing: jobs) {
                logger.info("SIGTERM with a \(job) of \(holder), which holds the containers: stopping them")
                return nil
            }
            return unit
        } catch {
            logger.warning("SIGTERM: cannot tell a restart of \(unit) from a stop (\(error)); stopping the containers")
            return nil
        }
    }

    // MARK: Reconciling

    /// Brings the running set in line with the directory; returns how many files it read.
    @discardableResult
    func reconcile() -> Int {
        let scan = DefinitionScan(directory: options.configDirectory, cache: &parsedDefinitions)
        var desired = scan.valid.mapValues { (file: $0.file, domain: $0.domain) }
        for (file, errors) in scan.invalid {
            for error in errors { logger.error("\(error)") }
            // An invalid edit leaves the container the file defined before as it was.
            if let name = containerOfFile[file], let container = containers[name], desired[name] == nil {
                logger.warning("\(name): \(file) is invalid; the container is left as it was")
                desired[name] = (container.file, container.domain)
            }
        }
        for (name, definition) in desired {
            containerOfFile[definition.file] = name
            guard let container = containers[name] else {
                let container = Container(name: name, domain: definition.domain, file: definition.file)
                containers[name] = container
                logger.info("\(name): new definition \(definition.file)")
                start(name, container)
                continue
            }
            if container.domain == definition.domain {
                container.file = definition.file
                if case .forget = container.next { container.next = .keepStopped }
                continue
            }
            logger.info("\(name): \(definition.file) changed; restarting")
            if container.monitor != nil {
                container.next = .start(definition.domain, file: definition.file)
                stop(container)
            } else {
                container.domain = definition.domain
                container.file = definition.file
                start(name, container)
            }
        }
        for (name, container) in containers where desired[name] == nil {
            logger.info("\(name): definition removed; stopping")
            containerOfFile = containerOfFile.filter { $0.value != name }
            if container.monitor != nil {
                container.next = .forget
                stop(container)
            } else {
                forget(name)
            }
        }
        statusChanged()
        return scan.valid.count + scan.invalid.count
    }

    // MARK: Events from the directories

    private func directoryChanged(_ changes: [(directory: String, name: String)]) {
        for change in changes {
            if change.name.isEmpty {
                // Events were lost (DirectoryWatch): look at everything the directory holds.
                if change.directory == options.configDirectory {
                    if !shuttingDown { reconcileAt = MonotonicClock.milliseconds() + Daemon.settleMilliseconds }
                } else {
                    logger.warning("events of \(change.directory) were lost (inotify queue overflow): every record and request read again")
                    for name in containers.keys { recordChanged(name) }
                    if !shuttingDown { for name in state.names(withSuffix: ".request") { handleRequest(of: name) } }
                }
            } else if change.directory == options.configDirectory {
                if DefinitionScan.isDefinitionName(change.name), !shuttingDown {
                    reconcileAt = MonotonicClock.milliseconds() + Daemon.settleMilliseconds
                }
            } else if change.name.hasSuffix(".state") {
                recordChanged(String(change.name.dropLast(".state".count)))
            } else if change.name.hasSuffix(".request"), !shuttingDown {
                handleRequest(of: String(change.name.dropLast(".request".count)))
            }
        }
    }

    /// A monitor wrote its record: one log line per transition.
    private func recordChanged(_ name: String) {
        guard let container = containers[name], let record = state.read(name), record.phase != container.lastPhase else { return }
        container.lastPhase = record.phase
        switch record.phase {
        case .starting:
            logger.info("\(name): starting")
        case .running:
            container.runningSince = WallClock.now()
            logger.info("\(name): running, init pid \(record.initPID.map(String.init) ?? "-")")
        case .backoff:
            let delay = (record.nextStart ?? record.since) - WallClock.now()
            logger.warning("\(name): \(record.lastExit ?? "init ended"); restart \(record.restarts) in \(max(0, delay)) s")
            if let message = record.message { logger.warning("\(name): \(message)") }
        case .stopping, .stopped:
            break  // logged when corrald asks for the stop and when the monitor exits
        }
        statusChanged()
    }
}
