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
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output.writing.rawValue, 1)
        if errorsIntoOutput {
            posix_spawn_file_actions_adddup2(&actions, output.writing.rawValue, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The caller may block signals it reads from a signalfd; the tool starts clean.
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], &actions, &attributes, &argv, environ)
        guard spawned == 0 else { throw SystemCallError("posix_spawnp", [arguments[0]], errno: spawned) }
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
