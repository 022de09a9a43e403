import CorralDomain
import CorralRuntime
import CorralSupervisor
import Glibc

/// Starting, stopping, retrying and adopting the monitors, one per container.
extension Daemon {
    /// After a boot nothing has read corral-monitor yet: its code is read into the page cache
    /// before the first monitor starts, so that every exec of it maps large folios, not the
    /// single pages the first exec's faults would bring in (ExecutableWarmup). So is the code of
    /// the corralctl installed beside corrald, whose `run` an operator's first call would
    /// otherwise pay the same for (~0.5 ms a start). A failure costs only that: it is logged,
    /// and the monitors start as they would have.
    func warmExecutables() {
        let corralctl = DaemonOptions.besideThisExecutable("corralctl")
        for (path, required) in [(options.monitorPath, true), (corralctl, false)] {
            do {
                if case .read(let bytes) = try ExecutableWarmup.warm(path) {
                    logger.info("\(path): read \(bytes >> 10) KiB of its code into the page cache, which did not hold it")
                }
            } catch {
                // corralctl need not be installed beside corrald.
                if !required && error.errno == ENOENT { continue }
                logger.warning("\(path): cannot read it into the page cache ahead of its execs: \(error)")
            }
        }
    }

    func start(_ name: String, _ container: Container) {
        guard !state.isHeld(name) else {
            logger.info("\(name): stopped by request; not started (corralctl start \(name))")
            // So that `list` and `status` still show it (a new corrald drops old records).
            if state.read(name)?.phase != .stopped {
                var record = ContainerRecord(name: name, phase: .stopped, monitorPID: 0, monitorStartTime: 0,
                                             definition: container.file, since: WallClock.now())
                record.message = "stopped by request"
                do {
                    try state.write(record)
                } catch {
                    logger.error("\(name): cannot write its record: \(error)")
                }
            }
            return
        }
        do {
            try FileIO.writeAtomically(container.domain.canonicalXML, to: state.definition(of: name))
            container.monitor = try MonitorProcess.spawn(monitor: options.monitorPath, running: state.definition(of: name),
                                                         source: container.file, options: options, name: name,
                                                         cgroup: monitorCgroup)
            watch(name, container)
            container.lastPhase = nil
            container.killAt = nil
        } catch {
            let delay = retryLater(name, container)
            logger.error("\(name): cannot start its monitor: \(error); trying again in \(delay) s")
            recordMonitorFailure(name, container, problem: "cannot start its monitor: \(error)")
        }
    }

    /// Wakes the loop when the container's monitor exits (its pidfd in the epoll set). If the
    /// kernel will not take it, corrald could not see the monitor end: it is stopped instead,
    /// and its container started again with back-off, as for any monitor that failed.
    func watch(_ name: String, _ container: Container) {
        guard let monitor = container.monitor else { return }
        do {
            try events.add(monitor.pidDescriptor.rawValue, token: UInt64(monitor.pidDescriptor.rawValue), what: "\(name)'s monitor")
            monitorNames[monitor.pidDescriptor.rawValue] = name
        } catch {
            logger.error("\(name): cannot watch its monitor (\(error)); SIGKILL to it")
            monitor.kill()
            monitor.reap()
            container.monitor = nil
            let delay = retryLater(name, container)
            recordMonitorFailure(name, container, problem: "cannot watch its monitor: \(error); next try in \(delay) s")
        }
    }

    /// Removes what a monitor that died left: its container's cgroups (the record names them),
    /// its staging directory and its console socket.
    func reclaimLeftovers(of name: String, record: ContainerRecord?) {
        if let relativePath = record?.cgroup, let layout = CgroupLayout.detect() {
            ContainerCgroup.reclaim(relativePath: relativePath, layout: layout)
        }
        let paths = RuntimePaths(stateDirectory: options.stateDirectory)
        HostDirectory.remove(paths.stagingRoot(for: name))
        state.removeConsoles(of: name)
        // The launcher record and the definition copy the killed monitor's launch left.
        LauncherClaim(container: name, paths: paths).release()
    }

    /// Schedules another start of a container whose monitor failed, with the back-off of a
    /// crashing container (1 s, doubling up to 60 s); returns the delay.
    func retryLater(_ name: String, _ container: Container) -> Int64 {
        // A monitor that ran its container long enough starts the count afresh, as a container does.
        if let since = container.runningSince, WallClock.now() - since >= RestartPolicy.resetAfterSeconds {
            container.monitorFailures = 0
        }
        container.runningSince = nil
        container.monitorFailures += 1
        if container.monitorFailures >= RestartPolicy.crashLoopRestarts {
            logger.warning("\(name): crash loop: its monitor failed \(container.monitorFailures) times in a row")
        }
        let delay = RestartPolicy.delay(consecutive: container.monitorFailures, reason: .crashed)
        container.restartAt = WallClock.now() + delay
        timedContainers.insert(name)
        return delay
    }

    /// Asks the monitor to stop its container, and arms the SIGKILL for a monitor that does not
    /// end within the container's stop timeout and a grace period.
    func stop(_ container: Container) {
        guard let monitor = container.monitor else { return }
        monitor.stop()
        let timeout = Int64(container.domain.corral.stopTimeoutSeconds ?? ForegroundContainer.defaultStopTimeoutSeconds)
        container.killAt = MonotonicClock.milliseconds() + (timeout + Daemon.stopGraceSeconds) * 1000
        timedContainers.insert(container.name)
    }

    /// Beyond a container's stop timeout, how long its monitor gets to clean up and exit.
    static let stopGraceSeconds: Int64 = 5

    func forget(_ name: String) {
        containers[name] = nil
        state.remove(name)
        // Its definition is gone: the addresses it had on libvirt networks are free again.
        for problem in AddressLeases.release(container: name, stateDirectory: options.stateDirectory) {
            logger.warning("\(name): \(problem)")
        }
        // A definition that comes back is a new container: not held by an old request.
        _ = unlink(state.held(name))
        logger.info("\(name): removed")
    }

    func monitorExited(_ name: String) {
        guard let container = containers[name], let monitor = container.monitor else { return }
        monitor.reap()
        events.remove(monitor.pidDescriptor.rawValue)
        monitorNames[monitor.pidDescriptor.rawValue] = nil
        container.monitor = nil
        let record = state.read(name)
        switch container.next {
        case .forget:
            forget(name)
            return
        case .start(let domain, let file):
            container.domain = domain
            container.file = file
            container.next = .keepStopped
            if !shuttingDown { start(name, container) }
            return
        case .keepStopped:
            break
        }
        if record?.phase == .stopped {
            if let problem = record?.message {
                logger.error("\(name): stopped (\(record?.lastExit ?? "no exit recorded")): \(problem)")
            } else {
                logger.info("\(name): stopped (\(record?.lastExit ?? "no exit recorded"))")
            }
        } else {
            // The monitor itself died, or was killed (its container died with it: parent-death
            // signal). What it could not clean up — cgroups, staging directory, console socket —
            // goes now.
            reclaimLeftovers(of: name, record: record)
            if !shuttingDown {
                let delay = retryLater(name, container)
                logger.error("\(name): its monitor (pid \(monitor.pid)) died; starting it again in \(delay) s")
                recordMonitorFailure(name, container, problem: "its monitor (pid \(monitor.pid)) died")
            }
        }
        statusChanged()
    }

    /// Monitors that outlived an earlier corrald: kept, with the definition they run.
    func adoptRunningMonitors() {
        for record in state.records() {
            guard record.phase != .stopped, let monitor = MonitorProcess.adopt(record) else {
                // A stopped container, or a monitor that is gone: the record is history.
                state.remove(record.name)
                continue
            }
            let domain: Domain
            do {
                domain = try DomainParser.parse(contentsOf: state.definition(of: record.name))
            } catch {
                logger.error("\(record.name): cannot read the definition its monitor runs (\(error)); stopping it")
                monitor.stop()
                continue
            }
            let container = Container(name: record.name, domain: domain, file: record.definition)
            container.monitor = monitor
            watch(record.name, container)
            container.lastPhase = record.phase
            containers[record.name] = container
            containerOfFile[record.definition] = record.name
            logger.info("\(record.name): adopted its running monitor (pid \(monitor.pid), init pid \(record.initPID.map(String.init) ?? "-"))")
        }
    }

    /// `corralctl stop|start|restart NAME`: the request file, read and removed.
    func handleRequest(of name: String) {
        let path = state.request(of: name)
        guard let text = FileIO.text(path) else { return }
        // Read: what it asked is done below, once.
        _ = unlink(path)
        func respond(_ answer: String) {
            do {
                try FileIO.writeAtomically(answer + "\n", to: state.response(of: name), mode: 0o600)
            } catch {
                logger.error("\(name): cannot answer its request: \(error)")
            }
        }
        guard let request = OperatorRequest(rawValue: text.trimmingASCIIWhitespace) else {
            logger.error("\(name): unknown request '\(text.trimmingASCIIWhitespace)' in \(path)")
            return respond("error: unknown request '\(text.trimmingASCIIWhitespace)'")
        }
        guard let container = containers[name] else {
            logger.error("\(name): \(request.rawValue) requested, but no definition has this name")
            return respond("error: no definition in \(options.configDirectory) has the name '\(name)'")
        }
        defer { respond("ok") }
        switch request {
        case .stop:
            do {
                try FileIO.writeAtomically("stopped by request\n", to: state.held(name))
            } catch {
                logger.error("\(name): cannot record the stop request: \(error)")
            }
            container.restartAt = nil
            logger.info("\(name): stop requested")
            stop(container)
        case .start, .restart:
            // ENOENT: it was not held.
            _ = unlink(state.held(name))
            container.monitorFailures = 0
            container.restartAt = nil
            logger.info("\(name): \(request.rawValue) requested")
            if container.monitor == nil {
                start(name, container)
            } else if request == .restart {
                container.next = .start(container.domain, file: container.file)
                stop(container)
            }
        }
    }

    /// No monitor writes the record of a container whose monitor failed: corrald does, so
    /// `list` and `status` show the problem and the next attempt.
    func recordMonitorFailure(_ name: String, _ container: Container, problem: String) {
        var record = state.read(name) ?? ContainerRecord(name: name, phase: .backoff, monitorPID: 0, monitorStartTime: 0,
                                                          definition: container.file, since: WallClock.now())
        record.phase = .backoff
        record.monitorPID = 0
        record.monitorStartTime = 0
        record.initPID = nil
        record.since = WallClock.now()
        record.restarts += 1
        record.consecutiveRestarts = container.monitorFailures
        record.nextStart = container.restartAt
        record.message = container.monitorFailures >= RestartPolicy.crashLoopRestarts
            ? "crash loop: \(container.monitorFailures) failures of its monitor in a row; \(problem)" : problem
        do {
            try state.write(record)
        } catch {
            logger.error("\(name): cannot write its record: \(error)")
        }
    }
}
