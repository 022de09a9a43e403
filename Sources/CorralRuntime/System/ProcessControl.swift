import CCorralSys
import Glibc

/// The process calls corrald needs and Glibc does not offer, so that only the runtime touches
/// the C shim.
public enum ProcessControl {
    /// Starts `arguments[0]` (found on PATH when it has no '/') as posix_spawnp would — stdin
    /// on /dev/null, stdout on `output` and stderr on `standardError` (each /dev/null when nil),
    /// a session of its own, every signal at its default and unblocked — and cloned straight
    /// into the cgroup2 directory `cgroup` when given (see corral_spawn). An exec that fails is
    /// reported as posix_spawn reports it: as an error of the call.
    public static func spawn(_ arguments: [String], output: OwnedDescriptor? = nil, standardError: OwnedDescriptor? = nil,
                             intoCgroup cgroup: OwnedDescriptor? = nil) throws(SystemCallError) -> pid_t {
        let input = try OwnedDescriptor.open("/dev/null", O_RDONLY)
        let discard = output == nil || standardError == nil ? try OwnedDescriptor.open("/dev/null", O_WRONLY) : nil
        return try spawn(arguments, input: input.rawValue, output: (output ?? discard)?.rawValue ?? -1,
                         standardError: (standardError ?? discard)?.rawValue ?? -1, standardErrorPath: nil, intoCgroup: cgroup)
    }

    /// Like `spawn`, stdout on /dev/null and stderr appended to the existing file
    /// `standardErrorPath` — and none of the caller's descriptors copied into the child, not
    /// even to be closed at its exec (see corral_spawn): what a spawn costs stays the same
    /// however many descriptors the caller holds (corrald: a pidfd per monitor).
    public static func spawnDetached(_ arguments: [String], standardErrorPath: String,
                                     intoCgroup cgroup: OwnedDescriptor? = nil) throws(SystemCallError) -> pid_t {
        try spawn(arguments, input: -1, output: -1, standardError: -1, standardErrorPath: standardErrorPath, intoCgroup: cgroup)
    }

    private static func spawn(_ arguments: [String], input: Int32, output: Int32, standardError: Int32, standardErrorPath: String?,
                              intoCgroup cgroup: OwnedDescriptor?) throws(SystemCallError) -> pid_t {
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        // A copy that outlives the call: the child may name it as the path it failed on.
        let errorPath = standardErrorPath.map { strdup($0) }
        defer {
            for argument in argv { free(argument) }
            free(errorPath ?? nil)
        }
        var childError: Int32 = 0
        var failedCall: UnsafePointer<CChar>? = nil, failedPath: UnsafePointer<CChar>? = nil
        let path = try executable(arguments[0])
        let pid = corral_spawn(path, &argv, environ, input, output, standardError, errorPath ?? nil, cgroup?.rawValue ?? -1,
                               &childError, &failedCall, &failedPath)
        // A step in the child failed, or its exec (and corral_spawn reaped it).
        guard childError == 0 else {
            throw SystemCallError(failedCall.map { String(cString: $0) } ?? "execve",
                                  [failedPath.map { String(cString: $0) } ?? arguments[0]], errno: childError)
        }
        guard pid > 0 else { throw SystemCallError(cgroup == nil ? "clone3" : "clone3 (CLONE_INTO_CGROUP)", [arguments[0]], errno: Int32(-pid)) }
        return pid_t(pid)
    }

    /// `name` itself when it has a '/', else the first executable of that name on PATH —
    /// found here, before the clone, where an error can still say so.
    private static func executable(_ name: String) throws(SystemCallError) -> String {
        guard !name.contains("/") else { return name }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where access("\(directory)/\(name)", X_OK) == 0 {
            return "\(directory)/\(name)"
        }
        throw SystemCallError("execve", [name], detail: "not found on PATH", errno: ENOENT)
    }

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
