import Glibc

/// Pipes that stand in for the caller's stdout and stderr where those are a terminal and init
/// has no pty of its own: the container writes into the pipes and the monitor copies to the
/// terminal, so the container never holds a descriptor of the caller's terminal (through which
/// a root inside could push keystrokes into the caller's shell with TIOCSTI, or change its
/// settings).
final class TerminalOutputPipes {
    /// For each of stdout and stderr: the pipe, or nil when that stream is not a terminal.
    private var pipes: [(target: Int32, pipe: Pipe)] = []

    init() throws {
        for target: Int32 in [1, 2] where isatty(target) == 1 {
            let pipe = try Pipe()
            // The monitor reads without blocking: its poll loop says when, and the final
            // drain must not wait for a process of the container that still holds the pipe.
            guard fcntl(pipe.reading.rawValue, F_SETFL, O_NONBLOCK) == 0 else {
                throw SystemCallError.last("fcntl O_NONBLOCK", "an output pipe")
            }
            pipes.append((target, pipe))
        }
    }

    /// What replaces init's stdin, stdout and stderr (-1: the caller's own).
    var standardStreams: (Int32, Int32, Int32) {
        let descriptor = { (target: Int32) in self.pipes.first { $0.target == target }?.pipe.writing.rawValue ?? -1 }
        return (-1, descriptor(1), descriptor(2))
    }

    /// Once init has them: the monitor keeps only the reading ends, so end of file means the
    /// container has closed its own.
    func closeContainerEnds() {
        for (_, pipe) in pipes { pipe.writing.close() }
    }

    /// The reading ends, for the monitor's poll loop.
    func sources() -> [InitPollLoop.Source] {
        pipes.filter { $0.pipe.reading.rawValue >= 0 }.map { target, pipe in
            InitPollLoop.Source(descriptor: pipe.reading.rawValue) { TerminalOutputPipes.copy(pipe, to: target) }
        }
    }

    /// Copies what is left once init is gone.
    func drain() {
        for (target, pipe) in pipes where pipe.reading.rawValue >= 0 {
            while TerminalOutputPipes.copy(pipe, to: target) {}
        }
    }

    /// Copies what one pipe has to the terminal; false at end of file (the pipe is then closed)
    /// or when nothing is waiting.
    private static func copy(_ pipe: Pipe, to target: Int32) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16384)
        let count = buffer.withUnsafeMutableBytes { read(pipe.reading.rawValue, $0.baseAddress, $0.count) }
        if count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR) {
            pipe.reading.close()
            return false
        }
        guard count > 0 else { return false }
        buffer.withUnsafeBytes { _ = FileIO.writeAll(target, UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        return true
    }
}
