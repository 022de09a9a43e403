import CorralDomain
import Glibc

/// The signal that stops a container gracefully: `<corral:stop signal>` when given; else
/// SIGRTMIN+3 when init runs systemd — which ignores SIGTERM as PID 1 and powers off on
/// SIGRTMIN+3, as systemd-nspawn and LXC send it — and SIGTERM for anything else.
public enum StopSignal {
    public static let systemdPowerOff = Signal(parsing: "SIGRTMIN+3")?.number ?? 37

    /// Decided when a stop comes, from what init runs then: the kernel's `/proc/PID/exe`, a
    /// link read without any filesystem I/O — a rootfs on a hung NFS or FUSE source cannot
    /// block the stop — and the program itself, whatever `<init>` was (`/sbin/init`, a script
    /// that execs systemd) and whatever the root is (a directory, an image). The name `<init>`
    /// gives decides only when init's link cannot be read (it is gone already).
    public static func resolve(_ domain: Domain, initPID: pid_t) -> Int32 {
        if let configured = domain.corral.stopSignal { return configured.number }
        let running = FileIO.linkTarget("/proc/\(initPID)/exe") ?? domain.os.initPath
        return isSystemd(running) ? systemdPowerOff : SIGTERM
    }

    static func isSystemd(_ path: String) -> Bool {
        path.hasSuffix("/systemd") || path == "systemd"
    }
}
