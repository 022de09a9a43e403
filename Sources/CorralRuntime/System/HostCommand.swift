import Glibc

/// A host tool run to completion: `systemctl list-jobs` for corrald, `nft` for a NATed network.
public enum HostCommand {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs `arguments` (found on PATH) with stdout captured — and stderr too with
    /// `errorsIntoOutput`, so a failure can say what the tool said — stdin on /dev/null.
    /// Returns the output; throws if it cannot be started, fails, or outlives the timeout (then
    /// it is killed).
    public static func run(_ arguments: [String], timeoutMilliseconds: Int32 = 5000, errorsIntoOutput: Bool = false) throws -> String {
        let output = try Pipe()
        let pid = try ProcessControl.spawn(arguments, output: output.writing, standardError: errorsIntoOutput ? output.writing : nil)
        output.writing.close()
        var bytes: [UInt8] = []
        let deadline = MonotonicClock.milliseconds() + Int64(timeoutMilliseconds)
        var finished = false
        while !finished {
            let left = deadline - MonotonicClock.milliseconds()
            var descriptor = pollfd(fd: output.reading.rawValue, events: Int16(POLLIN), revents: 0)
            guard left > 0, poll(&descriptor, 1, Int32(left)) > 0 || errno == EINTR else { break }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = read(output.reading.rawValue, &chunk, chunk.count)
            if count > 0 { bytes += chunk[0..<count] } else if count == 0 || errno != EINTR { finished = true }
        }
        // Killing a process that already exited is harmless: it is our child, not yet reaped.
        if !finished { _ = kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = String(decoding: bytes, as: UTF8.self)
        guard finished else { throw Failure(description: "\(arguments[0]) gave no answer within \(timeoutMilliseconds) ms") }
        guard status == 0 else {
            let said = errorsIntoOutput ? ": " + text.split(separator: "\n").joined(separator: " ") : ""
            throw Failure(description: "\(arguments.joined(separator: " ")) failed (wait status \(status))\(said)")
        }
        return text
    }
}
