import Glibc

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
