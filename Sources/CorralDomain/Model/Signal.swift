/// A Linux signal number with its conventional name. Realtime signals are counted as glibc
/// counts them (SIGRTMIN = 34), which is what systemd means by SIGRTMIN+3.
public struct Signal: Sendable, Hashable, CustomStringConvertible {
    public let number: Int32

    static let realtimeMinimum: Int32 = 34
    static let realtimeMaximum: Int32 = 64

    private init(validNumber: Int32) { self.number = validNumber }

    public init?(number: Int32) {
        guard (1...Signal.realtimeMaximum).contains(number),
              number < 32 || number >= Signal.realtimeMinimum else { return nil }
        self.number = number
    }

    /// Accepts `SIGTERM`, `TERM`, `SIGRTMIN+3`, `RTMAX-1` and plain numbers.
    public init?(parsing text: String) {
        if let number = Int32(text) {
            self.init(number: number)
            return
        }
        let name = text.hasPrefix("SIG") ? String(text.dropFirst(3)) : text
        if let index = Signal.standardNames.firstIndex(of: name) {
            self.init(validNumber: Int32(index + 1))
            return
        }
        for (prefix, base, sign) in [("RTMIN", Signal.realtimeMinimum, Int32(1)),
                                     ("RTMAX", Signal.realtimeMaximum, Int32(-1))] {
            guard name.hasPrefix(prefix) else { continue }
            let rest = name.dropFirst(prefix.count)
            if rest.isEmpty {
                self.init(validNumber: base)
                return
            }
            guard rest.first == (sign > 0 ? "+" : "-"), let offset = Int32(rest.dropFirst()),
                  offset >= 0, offset <= Signal.realtimeMaximum - Signal.realtimeMinimum else { return nil }
            self.init(validNumber: base + sign * offset)
            return
        }
        return nil
    }

    /// `SIGTERM`, or `SIGRTMIN+N` for realtime signals (systemd's spelling).
    public var description: String {
        if number < 32 { return "SIG" + Signal.standardNames[Int(number) - 1] }
        if number == Signal.realtimeMinimum { return "SIGRTMIN" }
        return "SIGRTMIN+\(number - Signal.realtimeMinimum)"
    }

    private static let standardNames = [
        "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV",
        "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU",
        "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
    ]
}
