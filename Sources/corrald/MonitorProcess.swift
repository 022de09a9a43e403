import CorralRuntime
import CorralSupervisor
import Glibc

/// One container's corral-monitor as corrald sees it: its pid and a pidfd that becomes
/// readable when it exits — for a monitor corrald spawned and for one it adopted after a
/// restart alike (the latter is not its child, so only a pidfd can watch it).
final class MonitorProcess {
    let pid: pid_t
    let pidDescriptor: OwnedDescriptor
    /// Spawned by this corrald, so this corrald must reap it.
    let isChild: Bool

    private init(pid: pid_t, pidDescriptor: OwnedDescriptor, isChild: Bool) {
        self.pid = pid
        self.pidDescriptor = pidDescriptor
        self.isChild = isChild
    }

    /// Starts `corral-monitor --supervise` for the canonical definition `running`, in a session
    /// of its own (so it outlives corrald: KillMode=process), stdin and stdout on /dev/null,
    /// stderr on the container's log.
    static func spawn(monitor: String, running: String, source: String, options: DaemonOptions, name: String) throws -> MonitorProcess {
        let arguments = [monitor, "--supervise", "--source", source, "--log-dir", options.logDirectory,
                         "--state-dir", options.stateDirectory, "--template-dir", options.templateDirectory,
                         "--overlay-dir", options.overlayDirectory, "--network-dir", options.networkDirectory,
                         "--cgroup-parent", options.cgroupParent, running]
        // Opened here, not by posix_spawn: a log that cannot be opened is then named as such.
        let logPath = "\(options.logDirectory)/\(name).log"
        let log = try OwnedDescriptor.open(logPath, O_WRONLY | O_CREAT | O_APPEND, mode: 0o640)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, log.rawValue, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // corrald blocks the signals it reads from a signalfd; the monitor starts clean.
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) | ProcessControl.spawnNewSession)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, monitor, &actions, &attributes, &argv, environ)
        guard result == 0 else { throw SystemCallError("posix_spawn", [monitor], errno: result) }
        guard let pidDescriptor = ProcessControl.pidDescriptor(of: pid) else {
            throw SystemCallError.last("pidfd_open", "monitor pid \(pid)")
        }
        return MonitorProcess(pid: pid, pidDescriptor: pidDescriptor, isChild: true)
    }

    /// The monitor a record names, if that very process still runs (same pid and start time).
    static func adopt(_ record: ContainerRecord) -> MonitorProcess? {
        guard ProcessIdentity.isAlive(record.monitorPID, startTime: record.monitorStartTime),
              let pidDescriptor = ProcessControl.pidDescriptor(of: record.monitorPID) else { return nil }
        // The pidfd now pins the process: check again that it is still the same one.
        guard ProcessIdentity.isAlive(record.monitorPID, startTime: record.monitorStartTime) else { return nil }
        return MonitorProcess(pid: record.monitorPID, pidDescriptor: pidDescriptor, isChild: false)
    }

    /// Asks the monitor to stop its container gracefully (it then exits).
    func stop() {
        // False: it has exited already, which its pidfd reports next.
        ProcessControl.send(SIGTERM, to: pidDescriptor)
    }

    /// Ends a monitor that did not stop: its container dies with it (parent-death signal), and
    /// the next start of the container reclaims what is left of its cgroup.
    func kill() {
        // False: it has exited already, which its pidfd reports next.
        ProcessControl.send(SIGKILL, to: pidDescriptor)
    }

    /// After the pidfd reported the exit: collects a child's status so it is no zombie.
    func reap() {
        guard isChild else { return }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }
}
