import CCorralSys
import CorralDomain
import Glibc

/// Runs a command inside a running container, as `lxc-attach` and `nsenter` do: in every
/// namespace of its init (joined through init's pidfd, its user namespace too) and in init's
/// cgroups, with the same capability bounding set, no_new_privs and seccomp filter as init.
/// No new monitor: the caller waits for the command and gets its exit status.
public struct ContainerExec {
    public struct Options {
        public var user: String?
        public var directory: String?
        public var environment: [String] = []
        /// nil: a pty exactly when stdin is a terminal.
        public var terminal: Bool?

        public init() {}
    }

    let domain: Domain
    let initPID: pid_t
    let command: [String]
    let options: Options
    let paths: RuntimePaths

    public init(domain: Domain, initPID: pid_t, command: [String], options: Options, paths: RuntimePaths) {
        self.domain = domain
        self.initPID = initPID
        self.command = command
        self.options = options
        self.paths = paths
    }

    /// The command's exit status (128+N for signal N); throws when it could not be started.
    public func run() throws -> Int32 {
        ContainerLauncher.ignoreBrokenPipes
        guard let initDescriptor = ProcessControl.pidDescriptor(of: initPID) else {
            throw SystemCallError.last("pidfd_open", "init (pid \(initPID))")
        }
        let stopRequests = try BlockedSignals([SIGINT, SIGTERM, SIGHUP])
        let cgroups = try InitCgroups(of: initPID)
        let usesTerminal = options.terminal ?? (isatty(0) == 1)
        let outputs = usesTerminal ? nil : try TerminalOutputPipes()
        let errors = try Pipe()
        let spawned = try Pipe()
        let terminalChannel = try LaunchPipes.socketPair(detail: "the pty channel")
        let arena = LaunchArena()
        var context = try makeContext(arena: arena, initDescriptor: initDescriptor.rawValue, errors: errors, spawned: spawned,
                                      terminal: usesTerminal ? terminalChannel : nil, outputs: outputs)
        context.cgroupDirectory = cgroups.directory?.rawValue ?? -1
        let procs = cgroups.procs.map(\.rawValue)
        context.cgroupProcs = UnsafeBufferPointer(start: arena.array(procs), count: procs.count)
        var arguments = clone_args()
        arguments.exit_signal = UInt64(SIGCHLD)
        let joiner = pid_t(corral_clone3(&arguments))
        if joiner == 0 { ExecJoiner(context: context).run() }
        guard joiner > 0 else { throw SystemCallError.last("clone3", detail: "joining the container") }
        errors.writing.close()
        spawned.writing.close()
        terminalChannel.sending.close()
        // The joiner runs in the container's cgroups, which the container may freeze: a stop
        // request ends the wait.
        guard try stopRequests.waitUntilReadable(spawned.reading, what: "the exec helper's pipe") == nil else {
            kill(joiner, SIGKILL)
            var ignored: Int32 = 0
            while waitpid(joiner, &ignored, 0) < 0 && errno == EINTR {}
            throw RuntimeError("stopped while joining the container", code: .setupFailed)
        }
        // The master of the pty the joiner opened in the container (end of file: it failed).
        let terminal = usesTerminal ? receiveTerminal(terminalChannel.receiving) : nil
        var pid: Int32 = 0
        let reported = withUnsafeMutableBytes(of: &pid) { read(spawned.reading.rawValue, $0.baseAddress, 4) } == 4
        var status: Int32 = 0
        while waitpid(joiner, &status, 0) < 0 && errno == EINTR {}
        var record = ChildFailure(step: -1, call: 0, errno: 0)
        let failed = withUnsafeMutableBytes(of: &record) { read(errors.reading.rawValue, $0.baseAddress, $0.count) }
            == MemoryLayout<ChildFailure>.size
        let description = ChildLaunchDescription(stagingRoot: nil, hostname: domain.hostname, user: options.user, group: nil,
                                                 initDirectory: options.directory ?? "/", initPath: command[0])
        if failed {
            if reported { while waitpid(pid, &status, 0) < 0 && errno == EINTR {} }
            let message = record.describe(steps: [], options: [], launch: description)
            throw RuntimeError(message, code: ChildCall(rawValue: record.call) == .commandNotFound ? .invalidInput : .setupFailed)
        }
        guard reported, let command = ProcessControl.pidDescriptor(of: pid) else {
            throw RuntimeError("the command did not start in the container", code: .setupFailed)
        }
        outputs?.closeContainerEnds()
        return try relay(until: command, pid: pid, terminal: terminal, outputs: outputs, stopRequests: stopRequests)
    }

    /// The pty master the joiner sends: non-blocking (input nobody reads is dropped), sized like
    /// the caller's terminal.
    private func receiveTerminal(_ channel: OwnedDescriptor) -> OwnedDescriptor? {
        let master = corral_receive_descriptor(channel.rawValue)
        guard master >= 0 else { return nil }
        // Neither can fail on a pty master just received; a default size is harmless anyway.
        _ = fcntl(master, F_SETFL, O_RDWR | O_NONBLOCK)
        var size = winsize()
        if ioctl(0, UInt(TIOCGWINSZ), &size) == 0 { _ = ioctl(master, UInt(TIOCSWINSZ), &size) }
        return OwnedDescriptor(master)
    }

    private func makeContext(arena: LaunchArena, initDescriptor: Int32, errors: Pipe, spawned: Pipe,
                             terminal: (sending: OwnedDescriptor, receiving: OwnedDescriptor)?,
                             outputs: TerminalOutputPipes?) throws -> ExecContext {
        let capabilities = KernelCapabilities.mask(CapabilityPlan(domain.features.capabilities))
        var seccomp: UnsafePointer<corral_bpf_program>? = nil
        let profile = SeccompProfile(domain.corral.seccomp)
        if let denied = profile.denied {
            try HostDirectory.create(paths.stateDirectory, mode: 0o755, parents: true)
            let bytes = try SeccompProgram.program(profile, denied: denied, cache: paths.stateDirectory)
            let program = arena.allocate(corral_bpf_program.self, count: 1)
            program.pointee = corral_bpf_program(length: UInt16(bytes.count / 8), instructions: UnsafeRawPointer(arena.array(bytes)))
            seccomp = UnsafePointer(program)
        }
        let path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        let candidates = command[0].contains("/") ? [command[0]] : path.split(separator: ":").map { "\($0)/\(command[0])" }
        var environment = ["container=corral", "PATH=\(path)"]
        if let term = getenv("TERM") { environment.append("TERM=" + String(cString: term)) }
        environment += options.environment
        let parentEnds = [errors.reading.rawValue, spawned.reading.rawValue] + (terminal.map { [$0.receiving.rawValue] } ?? [])
        let signals = LaunchPreparation.signalsNotAtDefault()
        return ExecContext(
            initDescriptor: initDescriptor, errorDescriptor: errors.writing.rawValue, spawnedDescriptor: spawned.writing.rawValue,
            cgroupDirectory: -1, cgroupProcs: UnsafeBufferPointer(start: nil, count: 0),
            parentDescriptors: UnsafeBufferPointer(start: arena.array(parentEnds), count: parentEnds.count),
            user: options.user.map { UnsafePointer(arena.string($0)) },
            lookupBuffer: arena.allocate(UInt8.self, count: LaunchPreparation.lookupBufferSize),
            lookupBufferSize: LaunchPreparation.lookupBufferSize,
            directory: arena.string(options.directory ?? "/"),
            droppedCapabilities: UnsafeBufferPointer(start: arena.array(capabilities.dropped), count: capabilities.dropped.count),
            keptCapabilities: UnsafePointer(arena.array(capabilities.words)),
            noCapabilities: UnsafePointer(arena.allocate(UInt32.self, count: 2)),
            noNewPrivileges: domain.corral.noNewPrivileges ?? true, seccompProgram: seccomp,
            signalsToReset: UnsafeBufferPointer(start: arena.array(signals), count: signals.count),
            wantsTerminal: terminal != nil, terminalChannel: terminal?.sending.rawValue ?? -1,
            standardStreams: outputs?.standardStreams ?? (-1, -1, -1),
            candidates: arena.stringArray(candidates), arguments: arena.stringArray(command),
            environment: arena.stringArray(environment))
    }

    /// Relays the terminal (or the output pipes) until the command exits; a stop request is
    /// passed on to it.
    private func relay(until command: OwnedDescriptor, pid: pid_t, terminal: OwnedDescriptor?, outputs: TerminalOutputPipes?,
                       stopRequests: BlockedSignals) throws -> Int32 {
        let raw = terminal != nil ? RawTerminal(descriptor: 0) : nil
        defer { raw?.restore() }
        var inputOpen = terminal != nil && raw != nil
        var sources: [InitPollLoop.Source] = outputs?.sources() ?? []
        while true {
            if let terminal, inputOpen {
                sources = [InitPollLoop.Source(descriptor: 0) {
                    inputOpen = ConsoleRelay.copyAvailable(from: 0, to: terminal.rawValue)
                    return inputOpen
                }]
            } else if terminal != nil {
                sources = []
            } else {
                sources = outputs?.sources() ?? []
            }
            var descriptors = [pollfd(fd: command.rawValue, events: Int16(POLLIN), revents: 0),
                               pollfd(fd: stopRequests.descriptor.rawValue, events: Int16(POLLIN), revents: 0),
                               pollfd(fd: terminal?.rawValue ?? -1, events: Int16(POLLIN), revents: 0)]
            descriptors += sources.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
            if poll(&descriptors, nfds_t(descriptors.count), -1) < 0 {
                guard errno == EINTR else { throw SystemCallError.last("poll", "the command's pidfd") }
                continue
            }
            if let terminal, descriptors[2].revents != 0 { ConsoleRelay.drain(terminal.rawValue) { FileIO.writeAll(1, $0) } }
            for (index, source) in sources.enumerated() where descriptors[index + 3].revents != 0 { _ = source.onReadable() }
            if descriptors[1].revents != 0 {
                for signal in stopRequests.pending() { ProcessControl.send(signal, to: command) }
            }
            if descriptors[0].revents != 0 {
                var info = siginfo_t()
                while waitid(idtype_t(rawValue: 3) /* P_PIDFD */, id_t(command.rawValue), &info, WEXITED) != 0 {
                    guard errno == EINTR else { throw SystemCallError.last("waitid", "the command (pid \(pid))") }
                }
                if let terminal { ConsoleRelay.drain(terminal.rawValue) { FileIO.writeAll(1, $0) } }
                outputs?.drain()
                let status = info._sifields._sigchld.si_status
                return Int32(info.si_code) == Int32(CLD_EXITED) ? status : 128 + status
            }
        }
    }
}
