import Glibc
import CCorralSys

/// The recipe the cloned child runs as the container's PID 1, top to bottom, until it becomes
/// init through execve. Between clone and exec nothing may allocate or lock (the parent's
/// allocator state is a copy of an instant): this code touches only the `ChildContext`, the
/// stack and system calls, and reports failure as a fixed-size record.
///
/// It is cloned into every namespace of the container but the mount namespace, which the
/// mounter builds for it as the host's root and hands over locked (see ContainerTreeMounter).
struct ChildSetup {
    let context: ChildContext

    func run() -> Never {
        for descriptor in context.monitorDescriptors { _ = close(descriptor) }
        _ = close(context.mounterChannel)
        // Once the monitor has written our uid/gid maps, become the namespace's root. The
        // caller's supplementary groups (a root login holds gid 0 and others) never reach the
        // container: here they would stay the host's groups, unmapped.
        waitForParent()
        guard setgroups(0, nil) == 0 else { fail(.setGroups) }
        guard corral_setresgid(0, 0, 0) == 0 else { fail(.setGroupID) }
        guard corral_setresuid(0, 0, 0) == 0 else { fail(.setUserID) }
        // Dies with the monitor from here on (a change of credentials clears it: set again
        // before exec). Before this point, the go pipe's end of file stops it.
        guard corral_set_parent_death_signal(SIGKILL) == 0 else { fail(.parentDeathSignal) }
        let tree = corral_receive_descriptor(context.initChannel)
        guard tree >= 0 else { fail(.receiveMounts) }
        guard corral_setns(tree, Int32(CLONE_NEWNS)) == 0 else { fail(.joinMounts) }
        _ = close(tree)
        _ = close(context.initChannel)
        bringUpLoopback()
        // The parent has been placing us in the container's cgroups meanwhile (on cgroup v1 that
        // waits for an RCU grace period); once it says so, they become the root of our cgroup
        // namespace and of the cgroup2 view mounted at /sys/fs/cgroup, which the container owns.
        waitForParent()
        guard corral_unshare(UInt(CLONE_NEWCGROUP)) == 0 else { fail(.cgroupNamespace) }
        let root = open("/", CORRAL_O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else { fail(.openRoot) }
        let mounter = ChildMounter(root: root, errorDescriptor: context.errorDescriptor, owner: context.rootOwner)
        for index in 0..<context.mounts.count where context.mounts[index].afterCgroupPlacement {
            mounter.perform(context.mounts[index])
        }
        _ = close(root)
        guard sethostname(context.hostname, context.hostnameLength) == 0 else { fail(.hostname) }
        // The privilege drop, in the order crun and containerization agree on: bounding set,
        // groups and user, capset, ambient set, no_new_privs, seccomp — then exec.
        dropBoundingCapabilities()
        becomeInitUser()
        // A session keyring of its own: the one inherited is the caller's (a shell's, or
        // corrald's, which every container would share), and keys are not namespaced.
        guard corral_join_new_session_keyring() >= 0 || errno == ENOSYS else { fail(.sessionKeyring) }
        restrictCapabilities()
        guard chdir(context.initDirectory) == 0 else { fail(.changeDirectory) }
        if context.consoleDescriptor >= 0 {
            attachConsole()
        } else {
            // A session of its own even on the caller's stdio: `kill(0, …)` or a process group
            // signal inside must never reach the caller's processes.
            guard setsid() >= 0 else { fail(.newSession) }
            let (input, output, errors) = context.standardStreams
            guard input < 0 || dup2(input, 0) == 0, output < 0 || dup2(output, 1) == 1, errors < 0 || dup2(errors, 2) == 2 else {
                fail(.standardStreams)
            }
        }
        resetSignals()
        if context.noNewPrivileges {
            guard corral_set_no_new_privileges() == 0 else { fail(.noNewPrivileges) }
        }
        if let program = context.seccompProgram {
            guard corral_seccomp_set_filter(program) == 0 else { fail(.seccomp) }
        }
        // If the monitor dies, so does the container: an unsupervised container would be
        // invisible to corrald. Set again last, as a change of credentials clears it; the
        // monitor is single-threaded, so its "parent thread" is the monitor. A monitor that
        // died before could not deliver it: the go pipe, which it holds until the exec, then
        // has no writer left — stop here instead.
        guard corral_set_parent_death_signal(SIGKILL) == 0 else { fail(.parentDeathSignal) }
        var monitor = pollfd(fd: context.goDescriptor, events: Int16(POLLIN), revents: 0)
        if poll(&monitor, 1, 0) > 0, monitor.revents & Int16(POLLHUP) != 0 { _exit(125) }
        // Whatever the caller leaked to us stays out of the container (the error pipe closes
        // on exec too, which is how the parent learns that exec succeeded).
        _ = corral_close_range(3, UInt32.max, CORRAL_CLOSE_RANGE_CLOEXEC)
        execve(context.initPath, context.arguments, context.environment)
        fail(.execute)
    }

    private func waitForParent() {
        var go: UInt8 = 0
        while true {
            let count = read(context.goDescriptor, &go, 1)
            if count == 1 { break }
            if count < 0 && errno == EINTR { continue }
            if count == 0 { errno = EPIPE }
            fail(.waitForParent)
        }
    }

    /// The network namespace starts with `lo` down; bring it up (its only interface).
    private func bringUpLoopback() {
        let socketDescriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socketDescriptor >= 0 else { fail(.loopbackSocket) }
        guard ioctl(socketDescriptor, UInt(SIOCSIFFLAGS), context.loopbackRequest) == 0 else { fail(.loopback) }
        _ = close(socketDescriptor)
    }

    /// What init can never regain, even by exec of a setuid or file-capability program.
    private func dropBoundingCapabilities() {
        for capability in context.droppedCapabilities {
            guard corral_drop_bounding_capability(capability) == 0 || errno == EINVAL else {
                childFail(context.errorDescriptor, .dropBoundingCapability, detail: capability)
            }
        }
    }

    /// A root init keeps the plan's capabilities, effective and permitted; a non-root one keeps
    /// none (setresuid already cleared them). No inheritable or ambient capabilities either way.
    private func restrictCapabilities() {
        // Always set by the preparation; were it not, init would keep nothing (the safe side).
        let none = context.noCapabilities, kept = context.keptCapabilities ?? none
        let result = getuid() == 0 ? corral_capset(kept, kept, none) : corral_capset(none, none, none)
        guard result == 0 else { fail(.capset) }
        guard corral_clear_ambient_capabilities() == 0 || errno == EINVAL else { fail(.clearAmbientCapabilities) }
    }

    /// Group before user (the supplementary groups were cleared first of all): once the uid
    /// changes, the process may no longer change its groups.
    private func becomeInitUser() {
        guard context.user != nil || context.group != nil else { return }
        let lookup = ChildIdentityLookup(buffer: context.lookupBuffer, size: context.lookupBufferSize,
                                         errorDescriptor: context.errorDescriptor)
        if let group = context.group {
            let groupID = lookup.id(of: group, in: "/etc/group", reading: .readGroups, irregular: .irregularGroups, unknown: .unknownGroup)
            guard corral_setresgid(groupID, groupID, groupID) == 0 else { fail(.setGroupID) }
        }
        if let user = context.user {
            let userID = lookup.id(of: user, in: "/etc/passwd", reading: .readUsers, irregular: .irregularUsers, unknown: .unknownUser)
            guard corral_setresuid(userID, userID, userID) == 0 else { fail(.setUserID) }
        }
    }

    /// A new session whose controlling terminal is the console pty, on init's stdio.
    private func attachConsole() {
        let console = context.consoleDescriptor
        guard setsid() >= 0 else { fail(.newSession) }
        guard ioctl(console, UInt(TIOCSCTTY), 0) == 0 else { fail(.controllingTerminal) }
        for standard in Int32(0)...2 {
            guard dup2(console, standard) == standard else { fail(.standardStreams) }
        }
        if console > 2 { _ = close(console) }
    }

    /// Blocked signals and ignored dispositions survive execve; init starts with neither.
    private func resetSignals() {
        for signal in context.signalsToReset {
            _ = corral_reset_signal(signal)
        }
        var none = sigset_t()
        sigemptyset(&none)
        _ = sigprocmask(SIG_SETMASK, &none, nil)
    }

    private func fail(_ call: ChildCall, step: Int32 = -1) -> Never {
        childFail(context.errorDescriptor, call, step: step)
    }
}
