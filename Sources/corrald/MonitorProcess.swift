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
    /// stderr on the container's log — in the cgroup2 directory `cgroup` from its first
    /// instruction when one is given (the holder's monitor leaf).
    static func spawn(monitor: String, running: String, source: String, options: DaemonOptions, name: String,
                      cgroup: OwnedDescriptor? = nil) throws -> MonitorProcess {
        let arguments = [monitor, "--supervise", "--source", source, "--log-dir", options.logDirectory,
                         "--state-dir", options.stateDirectory, "--template-dir", options.templateDirectory,
                         "--overlay-dir", options.overlayDirectory, "--network-dir", options.networkDirectory,
                         "--cgroup-parent", options.cgroupParent, running]
        // Created here; the child opens it again by name, as it takes none of corrald's
        // descriptors along (a pidfd per monitor: see ProcessControl.spawnDetached).
        let logPath = ConsoleLog.path(in: options.logDirectory, container: name)
        close(try FileIO.openLog(logPath))
        let pid = try ProcessControl.spawnDetached(arguments, standardErrorPath: logPath, intoCgroup: cgroup)
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
