import CorralDomain
#if canImport(Glibc)
import Glibc
#endif
import CCorralSys

/// A container whose init is running.
public final class LaunchedContainer {
    /// Init's pid in Corral's own PID namespace.
    public let pid: pid_t
    /// A pidfd for init: waited on and signalled without pid-reuse races.
    public let pidDescriptor: OwnedDescriptor
    /// The host directory the root was mounted on, removed when the container is gone.
    public let stagingRoot: String?
    /// The container's cgroup, if the host has cgroups.
    public let cgroup: ContainerCgroup?

    init(pid: pid_t, pidDescriptor: OwnedDescriptor, stagingRoot: String?, cgroup: ContainerCgroup?) {
        self.pid = pid
        self.pidDescriptor = pidDescriptor
        self.stagingRoot = stagingRoot
        self.cgroup = cgroup
    }

    /// Removes what the launch left on the host; call after init has been reaped. Anything
    /// still in the cgroup is killed first.
    public func cleanUp() {
        cgroup?.killAll()
        cgroup?.remove()
        if let stagingRoot { HostDirectory.remove(stagingRoot) }
    }

    /// SIGKILL to every process of the container at once (its cgroup), not only init.
    public func killAll() {
        send(SIGKILL)
        cgroup?.killAll()
    }

    /// Sends `signal` to init through its pidfd; ESRCH only means it is already gone, which
    /// the pidfd reports next.
    public func send(_ signal: Int32) {
        _ = corral_pidfd_send_signal(pidDescriptor.rawValue, signal)
    }

    /// Waits for init (the pidfd is readable once it exited) and says how it ended.
    public func reap() throws -> ContainerExit {
        var info = siginfo_t()
        while waitid(idtype_t(rawValue: 3) /* P_PIDFD */, id_t(pidDescriptor.rawValue), &info, WEXITED) != 0 {
            guard errno == EINTR else { throw SystemCallError.last("waitid", "init (pid \(pid))") }
        }
        let status = info._sifields._sigchld.si_status
        return ContainerExit(status: Int32(info.si_code) == Int32(CLD_EXITED) ? .exited(status) : .killed(signal: status))
    }
}

/// Starts a container's init in new namespaces, its filesystem tree built from the domain.
public enum ContainerLauncher {
    /// Namespaces every container gets; a user namespace is added when <idmap> is present.
    /// The cgroup namespace is not among them: the child unshares it once the parent has placed
    /// it in its cgroups, so the namespace's root is the container's own cgroup everywhere.
    static let namespaces = UInt64(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET)

    /// The host's cgroup layout, detected once per process.
    static let cgroupLayout = CgroupLayout.detect()

    /// Launches `domain`; `file` names the definition in errors. Throws with the step that
    /// failed; nothing is left behind then (mounts died with the child's namespace, loop
    /// devices auto-clear, the staging directory is removed).
    /// `console`: a pty to become init's terminal and /dev/console; nil = init inherits the
    /// caller's stdin, stdout and stderr.
    public static func launch(_ domain: Domain, file: String, paths: RuntimePaths,
                              console: ConsolePTY? = nil) throws -> LaunchedContainer {
        try refuseUnsupported(domain, file: file)
        let plan = MountPlan(domain: domain, paths: paths, console: console?.slavePath)
        let go = try Pipe()
        let errors = try Pipe()
        let preparation: LaunchPreparation
        do {
            preparation = try LaunchPreparation(domain: domain, plan: plan, paths: paths, console: console,
                                                goDescriptor: go.reading.rawValue, errorDescriptor: errors.writing.rawValue,
                                                parentDescriptors: (go.writing.rawValue, errors.reading.rawValue))
        } catch {
            if plan.root != nil { HostDirectory.remove(paths.stagingRoot(for: domain.name)) }
            throw error
        }
        defer { preparation.releaseLoopDevices() }
        let cgroup: ContainerCgroup?
        do {
            cgroup = try makeCgroup(domain, paths: paths, devices: preparation.deviceRules)
        } catch {
            preparation.stagingRoot.map(HostDirectory.remove)
            throw error
        }

        var pidDescriptor: Int32 = -1
        var arguments = clone_args()
        arguments.flags = namespaces | UInt64(CLONE_PIDFD) | (domain.idmap != nil ? UInt64(CLONE_NEWUSER) : 0)
        arguments.exit_signal = UInt64(SIGCHLD)
        if let descriptor = cgroup?.unifiedDescriptor, descriptor >= 0 {
            arguments.flags |= UInt64(CLONE_INTO_CGROUP)
            arguments.cgroup = UInt64(descriptor)
        }
        let pid = withUnsafeMutablePointer(to: &pidDescriptor) { pointer in
            arguments.pidfd = UInt64(UInt(bitPattern: pointer))
            return corral_clone3(&arguments)
        }
        if pid == 0 {
            ChildSetup(context: preparation.context).run()
        }
        guard pid > 0 else {
            let error = SystemCallError.last("clone3", detail: "new namespaces")
            preparation.stagingRoot.map(HostDirectory.remove)
            cgroup?.remove()
            throw error
        }
        let container = LaunchedContainer(pid: pid_t(pid), pidDescriptor: OwnedDescriptor(pidDescriptor),
                                          stagingRoot: preparation.stagingRoot, cgroup: cgroup)
        go.reading.close()
        errors.writing.close()
        do {
            if let idmap = domain.idmap { try IDMapWriter.write(idmap, for: container.pid) }
            // First release: the child starts mounting while the cgroup placement (slow on v1)
            // happens; the second says it is placed.
            try release(go.writing)
            try cgroup?.place(container.pid)
            try release(go.writing, last: true)
            if let failure = try readFailure(errors.reading) {
                throw RuntimeError(failure.describe(steps: preparation.stepDescriptions, launch: preparation.description))
            }
        } catch {
            go.writing.close()
            defer { container.cleanUp() }
            do {
                _ = try container.reap()
            } catch let reapError {
                throw RuntimeError("\(error) (and the failed child could not be reaped: \(reapError))")
            }
            throw error
        }
        return container
    }

    /// The container's cgroup on this host. Without cgroups on the host, a definition that asks
    /// for limits cannot be honoured and is refused; others run without one.
    static func makeCgroup(_ domain: Domain, paths: RuntimePaths, devices: [DeviceRule]) throws -> ContainerCgroup? {
        guard paths.usesCgroups, let layout = cgroupLayout else {
            if domain.memory != nil || domain.memoryTune != nil || domain.cpuTune != nil || domain.blkioTune != nil
                || domain.corral.pidsLimit != nil {
                let why = paths.usesCgroups ? "this host has no cgroups mounted" : "cgroups are off (--no-cgroup)"
                throw RuntimeError("<memory>/<memtune>/<cputune>/<blkiotune>/<corral:pids>: \(why); Corral cannot honour them")
            }
            return nil
        }
        let owner = domain.idmap.map { idmap in
            (uid: idmap.users.first { $0.start == 0 }?.target ?? 0, gid: idmap.groups.first { $0.start == 0 }?.target ?? 0)
        }
        return try ContainerCgroup(domain: domain, layout: layout, parent: paths.cgroupParent, devices: devices, owner: owner)
    }

    /// Elements the definition keeps but Corral cannot provide yet: starting without them would
    /// run something other than what the file says.
    public static func refuseUnsupported(_ domain: Domain, file: String) throws {
        let unsupported = domain.unsupportedElements
        guard !unsupported.isEmpty else { return }
        let lines = unsupported.map { "\(file):\($0.line): error: <\($0.name)>: not supported by Corral; remove it to start this container" }
        throw RuntimeError(lines.joined(separator: "\n"))
    }

    private static func release(_ go: OwnedDescriptor, last: Bool = false) throws {
        var byte: UInt8 = 1
        guard write(go.rawValue, &byte, 1) == 1 else { throw SystemCallError.last("write", "the child's start pipe") }
        if last { go.close() }
    }

    /// EOF means execve succeeded (the pipe is CLOEXEC); a record means a step failed.
    private static func readFailure(_ pipe: OwnedDescriptor) throws -> ChildFailure? {
        var record = ChildFailure(step: 0, call: 0, errno: 0)
        let size = MemoryLayout<ChildFailure>.size
        while true {
            let count = read(pipe.rawValue, &record, size)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw SystemCallError.last("read", "the child's error pipe") }
            return count == size ? record : nil
        }
    }
}

/// Writes /proc/PID/uid_map and gid_map while the child waits: from the parent, which holds
/// the capabilities in the parent namespace that the kernel requires for arbitrary ranges.
enum IDMapWriter {
    static func write(_ idmap: IDMap, for pid: pid_t) throws {
        try write(idmap.users, to: "/proc/\(pid)/uid_map")
        try write(idmap.groups, to: "/proc/\(pid)/gid_map")
    }

    private static func write(_ ranges: [IDMapRange], to path: String) throws {
        let text = ranges.map { "\($0.start) \($0.target) \($0.count)\n" }.joined()
        let file = try OwnedDescriptor.open(path, O_WRONLY)
        let bytes = Array(text.utf8)
        // The kernel takes the whole map in one write, or nothing.
        guard Glibc.write(file.rawValue, bytes, bytes.count) == bytes.count else { throw SystemCallError.last("write", path) }
    }
}
