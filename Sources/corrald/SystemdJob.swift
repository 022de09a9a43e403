import CorralRuntime
import Glibc

/// What systemd is doing to corrald's unit when it sends SIGTERM. systemd sends the same
/// signal for `systemctl stop`, for the host's shutdown and for the stop half of
/// `systemctl restart`; only its job queue tells them apart, and `systemctl list-jobs` reads
/// it over systemd's private socket (no D-Bus daemon needed, and systemctl is wherever systemd
/// is). A restart — an upgrade of corrald — keeps the containers; anything else stops them.
enum SystemdJob {
    struct Unknown: Error, CustomStringConvertible {
        let description: String
    }

    /// systemd's job queue (`systemctl list-jobs`); throws when systemctl cannot say within
    /// `timeoutMilliseconds`.
    static func listing(timeoutMilliseconds: Int32 = 5000) throws -> String {
        try run(["systemctl", "list-jobs", "--no-legend", "--plain", "--no-pager", "--full"], timeoutMilliseconds: timeoutMilliseconds)
    }

    /// The type of the job on `unit` ("restart", "stop", …) in a listing of
    /// `systemctl list-jobs --no-legend --plain` lines, "JOB UNIT TYPE STATE"; nil for none.
    static func jobType(of unit: String, inListing listing: String) -> String? {
        for line in listing.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 4, fields[1] == unit { return String(fields[2]) }
        }
        return nil
    }

    /// Runs `arguments` (found on PATH) with stdout captured, stdin and stderr on /dev/null;
    /// throws if it cannot be started, fails, or outlives the timeout (then it is killed).
    private static func run(_ arguments: [String], timeoutMilliseconds: Int32) throws -> String {
        let output = try Pipe()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output.writing.rawValue, 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
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
        guard finished else { throw Unknown(description: "\(arguments[0]) gave no answer within \(timeoutMilliseconds) ms") }
        guard status == 0 else { throw Unknown(description: "\(arguments.joined(separator: " ")) failed (wait status \(status))") }
        return String(decoding: bytes, as: UTF8.self)
    }
}
