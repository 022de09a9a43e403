import CCorralSys
import Glibc

/// The first child of `corralctl exec`: joins every namespace of the container's init through
/// its pidfd (its user namespace too), and forks the command — whose PID namespace is then the
/// container's — as the caller's child (CLONE_PARENT); reports its pid and exits.
struct ExecJoiner {
    let context: ExecContext

    func run() -> Never {
        for descriptor in context.parentDescriptors { _ = close(descriptor) }
        // Before anything of the container can see it: it still holds the host root's
        // credentials and the caller's memory, and from the setns on it is in the container's
        // PID namespace, where root could otherwise ptrace it or read its environment.
        guard corral_set_not_dumpable() == 0 else { childFail(context.errorDescriptor, .joinContainer) }
        for procs in context.cgroupProcs {
            guard writePID(to: procs) else { childFail(context.errorDescriptor, .joinCgroup) }
        }
        let namespaces = Int32(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP)
        guard corral_setns(context.initDescriptor, namespaces) == 0 else { childFail(context.errorDescriptor, .joinContainer) }
        var commandContext = context
        if context.wantsTerminal { commandContext.terminal = openTerminal() }
        var arguments = clone_args()
        arguments.flags = UInt64(CLONE_PARENT)
        if context.cgroupDirectory >= 0 {
            arguments.flags |= UInt64(CLONE_INTO_CGROUP)
            arguments.cgroup = UInt64(context.cgroupDirectory)
        }
        let pid = corral_clone3(&arguments)
        if pid == 0 { ExecCommand(context: commandContext).run() }
        guard pid > 0 else { childFail(context.errorDescriptor, .cloneCommand) }
        var reported = Int32(pid)
        guard write(context.spawnedDescriptor, &reported, 4) == 4 else { childFail(context.errorDescriptor, .cloneCommand) }
        _exit(0)
    }

    /// This process's pid, in decimal, to a cgroup.procs file: digits on the stack, no allocation.
    private func writePID(to descriptor: Int32) -> Bool {
        var digits: (UInt64, UInt64) = (0, 0)
        return withUnsafeMutableBytes(of: &digits) { buffer in
            var number = Int(getpid()), index = buffer.count
            repeat {
                index -= 1
                buffer[index] = UInt8(ascii: "0") + UInt8(number % 10)
                number /= 10
            } while number > 0 && index > 0
            guard let base = buffer.baseAddress else { return false }
            return write(descriptor, base + index, buffer.count - index) == buffer.count - index
        }
    }

    /// A pty of the container's own devpts (its /dev/ptmx, reached through init's mount
    /// namespace); the master goes to the caller, the slave (opened safely through the master,
    /// TIOCGPTPEER) is returned for the command.
    private func openTerminal() -> Int32 {
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0 else { childFail(context.errorDescriptor, .openTerminal) }
        var unlock: Int32 = 0
        guard ioctl(master, CORRAL_TIOCSPTLCK, &unlock) == 0 else { childFail(context.errorDescriptor, .openTerminal) }
        let slave = ioctl(master, CORRAL_TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard slave >= 0 else { childFail(context.errorDescriptor, .openTerminal) }
        guard corral_send_descriptor(context.terminalChannel, master) == 0 else { childFail(context.errorDescriptor, .openTerminal) }
        _ = close(master)
        return slave
    }
}

/// The command itself, inside the container: the same user lookup, capability bounding set,
/// no_new_privs and seccomp filter as its init, a terminal or the caller's streams, then exec.
struct ExecCommand {
    let context: ExecContext

    func run() -> Never {
        // The bounding set first: dropping from it needs CAP_SETPCAP, which a change of user
        // takes away.
        for capability in context.droppedCapabilities {
            guard corral_drop_bounding_capability(capability) == 0 || errno == EINVAL else {
                childFail(context.errorDescriptor, .dropBoundingCapability, detail: capability)
            }
        }
        guard setgroups(0, nil) == 0 else { fail(.setGroups) }
        var groupID: UInt32 = 0, userID: UInt32 = 0
        if let user = context.user {
            let lookup = ChildIdentityLookup(buffer: context.lookupBuffer, size: context.lookupBufferSize,
                                             errorDescriptor: context.errorDescriptor)
            (userID, groupID) = lookup.ids(of: user)
        }
        guard corral_setresgid(groupID, groupID, groupID) == 0 else { fail(.setGroupID) }
        guard corral_setresuid(userID, userID, userID) == 0 else { fail(.setUserID) }
        guard chdir(context.directory) == 0 else { fail(.changeDirectory) }
        let none = context.noCapabilities
        guard (userID == 0 ? corral_capset(context.keptCapabilities, context.keptCapabilities, none)
                           : corral_capset(none, none, none)) == 0 else { fail(.capset) }
        guard corral_clear_ambient_capabilities() == 0 || errno == EINVAL else { fail(.clearAmbientCapabilities) }
        guard setsid() >= 0 else { fail(.newSession) }
        if context.terminal >= 0 {
            guard ioctl(context.terminal, UInt(TIOCSCTTY), 0) == 0 else { fail(.controllingTerminal) }
            for standard in Int32(0)...2 {
                guard dup2(context.terminal, standard) == standard else { fail(.standardStreams) }
            }
        } else {
            let (input, output, errors) = context.standardStreams
            guard input < 0 || dup2(input, 0) == 0, output < 0 || dup2(output, 1) == 1, errors < 0 || dup2(errors, 2) == 2 else {
                fail(.standardStreams)
            }
        }
        for signal in context.signalsToReset { _ = corral_reset_signal(signal) }
        var mask = sigset_t()
        sigemptyset(&mask)
        _ = sigprocmask(SIG_SETMASK, &mask, nil)
        if context.noNewPrivileges {
            guard corral_set_no_new_privileges() == 0 else { fail(.noNewPrivileges) }
        }
        if let program = context.seccompProgram {
            guard corral_seccomp_set_filter(program) == 0 else { fail(.seccomp) }
        }
        _ = corral_close_range(3, UInt32.max, CORRAL_CLOSE_RANGE_CLOEXEC)
        // The first candidate that exists is the command (execvpe would allocate).
        var index = 0
        var missing = true
        while let candidate = context.candidates[index] {
            execve(candidate, context.arguments, context.environment)
            if errno != ENOENT && errno != ENOTDIR { missing = false; break }
            index += 1
        }
        fail(missing ? .commandNotFound : .executeCommand)
    }

    private func fail(_ call: ChildCall) -> Never {
        childFail(context.errorDescriptor, call)
    }
}
