import Glibc
import CCorralSys

/// The container's console: a pseudo-terminal whose slave is init's controlling terminal,
/// stdin, stdout, stderr and /dev/console, and whose master the monitor reads (to the log) and
/// writes (from an attached console client). One pty serves every restart of the container.
public final class ConsolePTY {
    public let master: OwnedDescriptor
    private(set) var slave: OwnedDescriptor
    /// The slave's path on the host (`/dev/pts/N`), bound onto the container's /dev/console.
    public let slavePath: String
    /// Shown on a terminal (newlines become "\r\n", as a terminal in raw mode needs), or
    /// written to a log (plain "\n").
    private let forTerminal: Bool

    public init(forTerminal: Bool = false) throws {
        self.forTerminal = forTerminal
        // The ioctls behind posix_openpt/unlockpt/ptsname, which Glibc declares only for XOPEN.
        // Non-blocking: input for a container that does not read it is dropped once the pty's
        // buffer is full, rather than block the monitor (and with it every stop request).
        master = try OwnedDescriptor.open("/dev/ptmx", O_RDWR | O_NOCTTY | O_NONBLOCK)
        var unlock: Int32 = 0
        guard ioctl(master.rawValue, CORRAL_TIOCSPTLCK, &unlock) == 0 else { throw SystemCallError.last("ioctl TIOCSPTLCK", "/dev/ptmx") }
        var number: UInt32 = 0
        guard ioctl(master.rawValue, CORRAL_TIOCGPTN, &number) == 0 else { throw SystemCallError.last("ioctl TIOCGPTN", "/dev/ptmx") }
        slavePath = "/dev/pts/\(number)"
        // The monitor keeps the slave open too, so the master never sees a hang-up between
        // restarts, when no process of the container holds the terminal.
        slave = try OwnedDescriptor.open(slavePath, O_RDWR | O_NOCTTY)
        try configureSlave()
    }

    /// Gives the pty the size of the terminal `descriptor` (the caller's), if it is one.
    public func copySize(from descriptor: Int32) {
        var size = winsize()
        // Not a terminal, or no size: the pty keeps its default, which programs cope with.
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0 else { return }
        _ = ioctl(slave.rawValue, UInt(TIOCSWINSZ), &size)
    }

    /// Opens the slave anew: an init that shut down may have hung the terminal up (systemd
    /// does), which leaves the old descriptor useless for the next start.
    public func renewSlave() throws {
        slave = try OwnedDescriptor.open(slavePath, O_RDWR | O_NOCTTY)
        try configureSlave()
    }

    private func configureSlave() throws {
        var settings = termios()
        guard tcgetattr(slave.rawValue, &settings) == 0 else { throw SystemCallError.last("tcgetattr", slavePath) }
        // Log lines end in "\n", not the terminal's "\r\n".
        if !forTerminal { settings.c_oflag &= ~tcflag_t(ONLCR) }
        guard tcsetattr(slave.rawValue, TCSANOW, &settings) == 0 else { throw SystemCallError.last("tcsetattr", slavePath) }
    }
}
