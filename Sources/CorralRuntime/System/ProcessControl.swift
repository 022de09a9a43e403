import CCorralSys
import Glibc

/// The process calls corrald needs and Glibc does not offer, so that only the runtime touches
/// the C shim.
public enum ProcessControl {
    /// posix_spawn's POSIX_SPAWN_SETSID: a session of its own for the spawned process.
    public static let spawnNewSession: Int16 = CORRAL_POSIX_SPAWN_SETSID

    /// Marks every descriptor from 3 up close-on-exec: what this process inherited must not
    /// reach what it spawns.
    public static func closeInheritedDescriptorsOnExec() {
        // Only fails on kernels older than 5.11 (EINVAL for the flag); nothing better to do then.
        _ = corral_close_range(3, UInt32.max, CORRAL_CLOSE_RANGE_CLOEXEC)
    }

    /// A pidfd for `pid`, or nil (errno set) when the process is gone.
    public static func pidDescriptor(of pid: pid_t) -> OwnedDescriptor? {
        let descriptor = corral_pidfd_open(pid, 0)
        return descriptor >= 0 ? OwnedDescriptor(descriptor) : nil
    }

    /// Sends `signal` through a pidfd: never to a process that reused the pid. False when the
    /// process has exited already (which the pidfd reports next).
    @discardableResult
    public static func send(_ signal: Int32, to pidDescriptor: OwnedDescriptor) -> Bool {
        corral_pidfd_send_signal(pidDescriptor.rawValue, signal) == 0
    }
}
