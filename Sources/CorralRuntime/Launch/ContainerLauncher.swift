import CorralDomain
import Glibc
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
    /// Its `block` devices, locked while it runs (see BlockDeviceClaim).
    private let claimedDevices: [OwnedDescriptor]
    /// Who launched it, for a later start after this launcher was killed.
    private let claim: LauncherClaim?
    /// What it took from the host's networks, given back at its end.
    var network: NetworkHoldings
    /// Init's start time, read once (/proc/PID/stat): the launcher record, the host ends'
    /// aliases and a NATed network's users all name init by pid and start time.
    lazy var initStartTime: UInt64 = ProcessIdentity.startTime(of: pid) ?? 0
    /// Told of what its end could not undo (a NAT rule nft would not delete), for the log.
    public var onCleanUpProblem: (String) -> Void = { FileIO.writeAll(2, "corral: \($0)\n") }

    init(name: String, pid: pid_t, pidDescriptor: OwnedDescriptor, stagingRoot: String?, cgroup: ContainerCgroup?,
         claimedDevices: [OwnedDescriptor] = [], claim: LauncherClaim? = nil) {
        network = NetworkHoldings(container: name)
        self.pid = pid
        self.pidDescriptor = pidDescriptor
        self.stagingRoot = stagingRoot
        self.cgroup = cgroup
        self.claimedDevices = claimedDevices
        self.claim = claim
    }

    /// Removes what the launch left on the host; call after init has been reaped. Anything
    /// still in the cgroup is killed first.
    public func cleanUp() {
        if let cgroup {
            // Once init is reaped, every other process of its PID namespace has died too: the
            // cgroups are usually empty and go with one rmdir each, without the kill's walk of
            // every hierarchy (12% of what a monitor spent stopping on a hybrid host). What is
            // still there — a process that joined from outside, a task the container froze —
            // fails that removal: then everything in them is killed, and removed with waits.
            var left = cgroup.remove(waiting: false)
            if !left.isEmpty {
                cgroup.killAll()
                left = cgroup.remove()
            }
            if !left.isEmpty {
                let holders = left.flatMap { CgroupTree.pids($0) }.map(String.init)
                let why = holders.isEmpty ? "busy" : "processes \(holders.joined(separator: ", ")) still in it"
                onCleanUpProblem("cgroup \(left.joined(separator: ", ")) not removed (\(why)); the next start of \(cgroup.relativePath) removes it")
            }
        }
        if let stagingRoot { HostDirectory.remove(stagingRoot) }
        for device in claimedDevices { device.close() }
        claim?.release()
        network.release(problem: onCleanUpProblem)
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

    /// Waits for init (the pidfd is readable once it exited) and says how it ended; `killedByStop`:
    /// a SIGKILL was the stop's own, so the cgroup is not asked whether the OOM killer struck.
    public func reap(killedByStop: Bool = false) throws -> ContainerExit {
        var info = siginfo_t()
        while waitid(idtype_t(rawValue: 3) /* P_PIDFD */, id_t(pidDescriptor.rawValue), &info, WEXITED) != 0 {
            guard errno == EINTR else { throw SystemCallError.last("waitid", "init (pid \(pid))") }
        }
        let status = info._sifields._sigchld.si_status
        let exited = Int32(info.si_code) == Int32(CLD_EXITED)
        var exit = ContainerExit(status: exited ? .exited(status) : .killed(signal: status))
        // SIGKILL with OOM kills in its cgroup: init ran out of memory (read before cleanUp).
        if !exited, status == SIGKILL, !killedByStop, let cgroup, cgroup.outOfMemoryKills() > 0 {
            let limit = CgroupStatistics(layout: cgroup.layout, relativePath: cgroup.relativePath).memoryLimit
            exit.outOfMemory = (true, limit)
        }
        return exit
    }
}

/// Starts a container's init in new namespaces, its filesystem tree built from the domain.
///
/// Every container runs in a user namespace (its `<idmap>`, or the identity map) whose mounts
/// are locked. Init is cloned into the user, network, UTS, IPC and PID namespaces and its
/// cgroup, and waits; the monitor writes its maps, joins init's namespaces but the user one
/// for just long enough to clone the mounter into them, which builds the tree as the host's
/// root and hands init a locked copy (see ContainerTreeMounter). Then init execs.
public enum ContainerLauncher {
    /// Namespaces init is cloned into; its mount namespace comes from the mounter.
    static let namespaces = UInt64(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET)

    /// A child that fails during setup closes its pipes: the launcher must get EPIPE and read
    /// the child's failure record, not die of SIGPIPE with nothing said and its cgroups and
    /// staging directory left behind. (Init's own disposition is reset before exec.)
    static let ignoreBrokenPipes: Void = {
        // signal() cannot fail for SIGPIPE and SIG_IGN; the previous handler is of no use.
        _ = signal(SIGPIPE, SIG_IGN)
    }()

    /// The host's cgroup layout, detected once per process.
    static let cgroupLayout = CgroupLayout.detect()

    /// Launches `domain`; `file` names the definition in errors. Throws with the step that
    /// failed; nothing is left behind then (mounts died with the child's namespace, loop
    /// devices auto-clear, the staging directory is removed).
    /// `console`: a pty to become init's terminal and /dev/console; nil = init gets the
    /// caller's stdin, stdout and stderr, or `standardStreams` in their place (-1: keep).
    /// `ttys`: more ptys, the container's /dev/tty1, /dev/tty2, … (only beside a `console`).
    /// `stopRequests`: SIGINT/SIGTERM read while the container is being set up end the setup
    /// (`LaunchInterrupted`), whatever the children are blocked in.
    public static func launch(_ domain: Domain, file: String, paths: RuntimePaths, console: ConsolePTY? = nil,
                              ttys: [ConsolePTY] = [], standardStreams: (Int32, Int32, Int32) = (-1, -1, -1),
                              stopRequests: BlockedSignals? = nil) throws -> LaunchedContainer {
        ignoreBrokenPipes
        try refuseUnsupported(domain, file: file)
        // Only when a writable host directory is bound below the root (the root itself is
        // never unlocked): reading mountinfo costs a little.
        let writableBinds = domain.filesystems.contains {
            if case .mount = $0.source { !$0.readOnly && !$0.target.isRoot } else { false }
        }
        let hostMounts = writableBinds ? HostMounts() : nil
        let consoles = console.map { [$0.slavePath] + ttys.map(\.slavePath) } ?? []
        let plan = MountPlan(domain: domain, paths: paths, consoles: consoles,
                             hostSubmounts: { hostMounts?.hasMounts(below: $0) ?? false })
        // First what a killed launcher of this name left running: it may hold this
        // container's images.
        let claim = LauncherClaim(container: domain.name, paths: paths)
        let reclaimed = paths.usesCgroups && claim.reclaimOrphan(
            relativePath: CgroupPlan.relativePath(parent: paths.cgroupParent, name: domain.name), layout: cgroupLayout)
        let pipes = try LaunchPipes()
        let preparation: LaunchPreparation
        do {
            preparation = try LaunchPreparation(domain: domain, plan: plan, paths: paths, console: console, pipes: pipes,
                                                imagesMayBeReleasing: reclaimed)
        } catch {
            if plan.root != nil { HostDirectory.remove(paths.stagingRoot(for: domain.name)) }
            throw error
        }
        defer { preparation.releaseLoopDevices() }
        preparation.context.standardStreams = standardStreams
        let cgroup: ContainerCgroup?
        do {
            cgroup = try makeCgroup(domain, paths: paths, devices: preparation.deviceRules)
            try claim.record()
        } catch {
            preparation.stagingRoot.map(HostDirectory.remove)
            throw error
        }

        var pidDescriptor: Int32 = -1
        var arguments = clone_args()
        arguments.flags = namespaces | UInt64(CLONE_PIDFD)
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
            let error = SystemCallError.last("clone3", detail: "new user, PID, UTS, IPC and network namespaces")
            preparation.stagingRoot.map(HostDirectory.remove)
            cgroup?.remove()
            claim.release()
            throw error
        }
        let container = LaunchedContainer(name: domain.name, pid: pid_t(pid), pidDescriptor: OwnedDescriptor(pidDescriptor),
                                          stagingRoot: preparation.stagingRoot, cgroup: cgroup,
                                          claimedDevices: preparation.claimedDevices, claim: claim)
        pipes.go.reading.close()
        var mounter: pid_t? = nil
        do {
            try IDMapWriter.write(domain.userNamespaceMap, for: container.pid)
            try release(pipes.go.writing)
            preparation.context.initDescriptor = container.pidDescriptor.rawValue
            mounter = try cloneMounter(preparation: preparation)
            pipes.errors.writing.close()
            pipes.mounts.mounter.close()
            pipes.mounts.initEnd.close()
            // The mounter builds the tree while the cgroup placement (slow on v1) happens; the
            // second byte says init is placed.
            try cgroup?.place(container.pid)
            // Its interfaces, while init still waits: they are there when it runs.
            try ContainerNetwork.configure(domain, file: file, container: container, paths: paths)
            // The go pipe stays open until init has exec'd: its end of file is how init learns
            // that this launcher died before its parent-death signal could.
            try release(pipes.go.writing)
            // While the children mount and exec, on the other core: the definition as it runs
            // (`corralctl exec` applies its restrictions) and init's start time. Only the record
            // naming them waits for the exec, so the start does not wait on them.
            try FileIO.writeAtomically(domain.canonicalXML, to: claim.definitionCopy, mode: 0o600)
            let initStartTime = container.initStartTime
            try waitForSetup(pipes.errors.reading, stopRequests: stopRequests)
            if let failure = try readFailure(pipes.errors.reading) {
                throw RuntimeError(failure.describe(steps: preparation.stepDescriptions, options: preparation.stepOptions,
                                                      launch: preparation.description), code: .setupFailed)
            }
            pipes.go.writing.close()
            // Running: what `corralctl exec` needs to find it.
            try claim.record(initPID: container.pid, initStartTime: initStartTime, definition: claim.definitionCopy)
            mounter.map { _ = reap($0) }
        } catch {
            pipes.go.writing.close()
            // Init (PID 1 of the namespace the mounter is in: both go) and the mounter.
            container.killAll()
            if let mounter {
                // ESRCH: it has ended already; it is reaped just below either way.
                _ = kill(mounter, SIGKILL)
                _ = reap(mounter)
            }
            defer { container.cleanUp() }
            do {
                _ = try container.reap()
            } catch let reapError {
                throw RuntimeError("\(error) (and the failed child could not be reaped: \(reapError))", code: .internalError)
            }
            throw error
        }
        return container
    }

    /// Waits until the children are done (a failure record, or end of file at exec), or a stop
    /// is requested: then the setup ends there, whatever the children are blocked in (a hung
    /// FUSE or NFS source, say).
    private static func waitForSetup(_ errors: OwnedDescriptor, stopRequests: BlockedSignals?) throws {
        guard let stopRequests else { return }
        if let signal = try stopRequests.waitUntilReadable(errors, what: "the child's error pipe") {
            throw LaunchInterrupted(signal: signal)
        }
    }

    /// The namespaces the mounter is cloned into, besides a new mount namespace: init's.
    static let mounterNamespaces = Int32(CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID)

    /// Clones the mounter into init's network, UTS, IPC and PID namespaces (not its user
    /// namespace: the mounter works as the host's root) and a new mount namespace; returns its
    /// pid. This thread joins them for the clone — one setns of init's pidfd, PID meaning only
    /// its next child's (`context.initDescriptor`) — and returns to its own at once.
    private static func cloneMounter(preparation: LaunchPreparation) throws -> pid_t {
        // Opened first: once joined, a pidfd of this process would name init's namespaces.
        let own = try ["net", "uts", "ipc", "pid"].map { try OwnedDescriptor.open("/proc/thread-self/ns/\($0)", O_RDONLY) }
        defer { for namespace in own { namespace.close() } }
        preparation.context.launcherNamespaces = (own[0].rawValue, own[1].rawValue, own[2].rawValue, own[3].rawValue)
        guard corral_setns(preparation.context.initDescriptor, mounterNamespaces) == 0 else {
            throw SystemCallError.last("setns", detail: "init's network, UTS, IPC and PID namespaces, for the mounter")
        }
        var arguments = clone_args()
        arguments.flags = UInt64(CLONE_NEWNS)
        arguments.exit_signal = UInt64(SIGCHLD)
        let mounter = pid_t(corral_clone3(&arguments))
        if mounter == 0 { ContainerTreeMounter(context: preparation.context).run() }
        let cloneError = errno
        returnToOwnNamespaces(own)
        guard mounter > 0 else { throw SystemCallError("clone3", detail: "the mounter (new mount namespace)", errno: cloneError) }
        return mounter
    }

    /// Back to this thread's own namespaces. Were that refused (it needs only the capabilities
    /// this root process holds in its own namespaces), it would go on in the container's
    /// network and PID namespaces — its next container's interfaces in this one's, its next
    /// clone in a PID namespace about to die: it stops here instead.
    private static func returnToOwnNamespaces(_ own: [OwnedDescriptor]) {
        for namespace in own where corral_setns(namespace.rawValue, 0) != 0 {
            let error = SystemCallError.last("setns", detail: "back to the launcher's own namespaces after cloning the mounter")
            FileIO.writeAll(2, "corral: \(error); stopping\n")
            _exit(125)
        }
    }

    /// Waits for a child of ours to end; its wait status, or -1 if it cannot be waited for.
    private static func reap(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return -1 }
        }
        return status
    }

    /// Reads a whole `T` (a byte, a pid, a failure record) into `value`; false at end of file.
    private static func readExactly<T: BitwiseCopyable>(_ pipe: OwnedDescriptor, _ value: inout T) throws -> Bool {
        let count = MemoryLayout<T>.size
        while true {
            let result = withUnsafeMutableBytes(of: &value) { read(pipe.rawValue, $0.baseAddress, count) }
            if result < 0 && errno == EINTR { continue }
            guard result >= 0 else { throw SystemCallError.last("read", "a launch pipe") }
            return result == count
        }
    }

    /// The container's cgroup on this host. Without cgroups on the host, a definition that asks
    /// for limits cannot be honoured and is refused; others run without one.
    static func makeCgroup(_ domain: Domain, paths: RuntimePaths, devices: [DeviceRule]) throws -> ContainerCgroup? {
        guard paths.usesCgroups, let layout = cgroupLayout else {
            if domain.memory != nil || domain.memoryTune != nil || domain.cpuTune != nil || domain.blkioTune != nil
                || domain.corral.pidsLimit != nil {
                let why = paths.usesCgroups ? "this host has no cgroups mounted" : "cgroups are off (--no-cgroup)"
                throw RuntimeError("<memory>/<memtune>/<cputune>/<blkiotune>/<corral:pids>: \(why); Corral cannot honour them", code: .unsupported)
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
        // An image format other than raw would be attached as raw: its bytes mounted as a filesystem.
        let images = domain.filesystems.compactMap { filesystem -> String? in
            guard case .file = filesystem.source, let format = filesystem.driver?.format, format != "raw",
                  !FilesystemDriver.filesystemFormats.contains(format) else { return nil }
            return "\(file): error: <filesystem type='file'> on '\(filesystem.target)': format '\(format)' cannot be attached; "
                + "Corral attaches raw images only (convert it: qemu-img convert -O raw)"
        }
        guard !unsupported.isEmpty || !images.isEmpty else { return }
        let lines = unsupported.map { "\(file):\($0.line): error: <\($0.name)>: not supported by Corral; remove it to start this container" }
            + images
        throw RuntimeError(lines.joined(separator: "\n"), code: .unsupported)
    }

    /// One byte to init. EPIPE means it is gone already: its failure record says why, which
    /// the caller reads next.
    private static func release(_ go: OwnedDescriptor) throws {
        var byte: UInt8 = 1
        guard write(go.rawValue, &byte, 1) == 1 || errno == EPIPE else { throw SystemCallError.last("write", "the child's start pipe") }
    }

    /// EOF means execve succeeded (the pipe is CLOEXEC); a record means a step failed.
    private static func readFailure(_ pipe: OwnedDescriptor) throws -> ChildFailure? {
        var record = ChildFailure(step: 0, call: 0, errno: 0)
        return try readExactly(pipe, &record) ? record : nil
    }
}

/// A stop request (SIGINT, SIGTERM) arrived while the container was being set up.
public struct LaunchInterrupted: Error, CustomStringConvertible {
    public let signal: Int32

    public var description: String {
        "stopped during setup (\(Signal(number: signal).map(\.description) ?? "signal \(signal)"))"
    }
}

/// Writes /proc/PID/uid_map and gid_map while the child waits: from the parent, which holds
/// the capabilities in the parent namespace that the kernel requires for arbitrary ranges.
enum IDMapWriter {
    static func write(_ idmap: IDMap, for pid: pid_t) throws {
        try write(idmap.users, to: "/proc/\(pid)/uid_map")
        try write(idmap.groups, to: "/proc/\(pid)/gid_map")
    }

    /// The kernel takes the whole map in one write, or nothing. Appended line by line: the
    /// unspecialised `joined` would scan every protocol conformance of the binary at its first
    /// call, ~0.1 ms while init waits for its maps.
    private static func write(_ ranges: [IDMapRange], to path: String) throws {
        var map = ""
        for range in ranges { map += "\(range.start) \(range.target) \(range.count)\n" }
        try FileIO.writeExisting(path, map)
    }
}
