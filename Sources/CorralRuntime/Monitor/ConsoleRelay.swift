import Glibc

/// Moving console bytes between descriptors.
public enum ConsoleRelay {
    /// The key that detaches a console client or, under `corralctl run`, asks for a stop: Ctrl-].
    public static let escape: UInt8 = 0x1D

    /// Copies what `input` has to the console; Ctrl-] becomes a stop request instead. False at
    /// end of input.
    public static func forwardInput(from input: Int32, to console: Int32) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
        guard count > 0 else { return false }
        let (keys, escaped) = ConsoleRelay.keys(buffer[0..<count])
        keys.withUnsafeBytes { _ = FileIO.writeWithoutBlocking(console, $0) }
        if escaped {
            // The stop request, as SIGTERM would make it: the poll loop reads it next.
            kill(getpid(), SIGTERM)
            return false
        }
        return true
    }

    /// The keys typed before Ctrl-], and whether Ctrl-] was among them.
    public static func keys(_ typed: ArraySlice<UInt8>) -> (keys: ArraySlice<UInt8>, escaped: Bool) {
        guard let escape = typed.firstIndex(of: ConsoleRelay.escape) else { return (typed, false) }
        return (typed[..<escape], true)
    }
}

extension ConsoleRelay {
    /// Copies what `input` has now to `output`; false at end of input or on an error.
    public static func copyAvailable(from input: Int32, to output: Int32) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
        guard count > 0 else { return false }
        buffer[0..<count].withUnsafeBytes { _ = FileIO.writeWithoutBlocking(output, $0) }
        return true
    }
}
