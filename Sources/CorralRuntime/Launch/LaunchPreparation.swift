import CorralDomain
import CCorralSys
import Glibc

/// Everything a launch needs that the parent must do or compute before the clone: host
/// directories, loop devices, probed filesystem types, and the child's flat tables. What the
/// libvirt and crun code agree on: prepare in the parent, only execute in the child.
final class LaunchPreparation {
    let arena = LaunchArena()
    /// The mount steps as the child's table indexes them (`ChildMount.step`) and their fsconfig
    /// options, kept for error messages: described only when a step fails (a description of
    /// every step at every start cost ~0.1 ms, mostly the generic `joined` looking up conformances).
    private var describedSteps: [(step: MountStep, options: [MountOption])] = []
    /// Descriptions of the mount steps, indexed by `ChildMount.step`.
    var stepDescriptions: [String] { describedSteps.map(\.step.description) }
    /// Each step's fsconfig options as `key=value`, indexed like the child's option table.
    var stepOptions: [[String]] {
        describedSteps.map { $0.options.map { option in option.value.map { "\(option.key)=\($0)" } ?? option.key } }
    }
    private(set) var loopDevices: [LoopDevice] = []
    /// The block devices of `block` filesystems, locked for this container while it runs.
    private(set) var claimedDevices: [OwnedDescriptor] = []
    /// The container's device access list: the standard devices and its own filesystems' disks.
    private(set) var deviceRules = DeviceRule.standard
    let stagingRoot: String?
    let description: ChildLaunchDescription
    /// Named on the loop devices it attaches.
    private let containerName: String
    private let imagesMayBeReleasing: Bool
    var context: ChildContext

    /// 256 KiB is far beyond any real /etc/passwd; a larger file is refused, not truncated.
    static let lookupBufferSize = 256 * 1024

    /// `imagesMayBeReleasing`: an orphan of this name was just killed, whose loop devices
    /// release its images only once its mount namespace is gone; their locks are waited for.
    init(domain: Domain, plan: MountPlan, paths: RuntimePaths, console: ConsolePTY?, pipes: LaunchPipes,
         imagesMayBeReleasing: Bool = false) throws {
        self.imagesMayBeReleasing = imagesMayBeReleasing
        stagingRoot = plan.root == nil ? nil : paths.stagingRoot(for: domain.name)
        containerName = domain.name
        let initDirectory = domain.os.initDirectory ?? "/"
        description = ChildLaunchDescription(
            stagingRoot: stagingRoot, hostname: domain.hostname, user: domain.os.initUser, group: domain.os.initGroup,
            initDirectory: initDirectory, initPath: domain.os.initPath)
        let arena = self.arena
        let hostname = domain.hostname
        let loopback = arena.allocate(ifreq.self, count: 1)
        withUnsafeMutableBytes(of: &loopback.pointee.ifr_ifrn.ifrn_name) { name in
            for (index, byte) in "lo".utf8.enumerated() { name[index] = byte }
        }
        loopback.pointee.ifr_ifru.ifru_flags = Int16(IFF_UP | IFF_LOOPBACK | IFF_RUNNING)
        let map = domain.userNamespaceMap
        let monitorEnds = pipes.monitorEnds
        context = ChildContext(
            monitorDescriptors: UnsafeBufferPointer(start: arena.array(monitorEnds), count: monitorEnds.count),
            goDescriptor: pipes.go.reading.rawValue, errorDescriptor: pipes.errors.writing.rawValue,
            mounterChannel: pipes.mounts.mounter.rawValue, initChannel: pipes.mounts.initEnd.rawValue,
            // uid_t -1: chown leaves the owner as it is.
            rootOwner: (map.hostUser(0) ?? UInt32.max, map.hostGroup(0) ?? UInt32.max),
            consoleDescriptor: console?.slave.rawValue ?? -1,
            stagingRoot: stagingRoot.map { UnsafePointer(arena.string($0)) }, rootMount: nil,
            mounts: UnsafeBufferPointer(start: nil, count: 0), detachedMounts: arena.allocate(Int32.self, count: 1),
            hostname: arena.string(hostname), hostnameLength: hostname.utf8.count, loopbackRequest: loopback,
            user: domain.os.initUser.map { UnsafePointer(arena.string($0)) },
            group: domain.os.initGroup.map { UnsafePointer(arena.string($0)) },
            lookupBuffer: arena.allocate(UInt8.self, count: LaunchPreparation.lookupBufferSize),
            lookupBufferSize: LaunchPreparation.lookupBufferSize,
            droppedCapabilities: UnsafeBufferPointer(start: nil, count: 0),
            keptCapabilities: nil,
            noCapabilities: UnsafePointer(arena.allocate(UInt32.self, count: 2)),
            noNewPrivileges: domain.corral.noNewPrivileges ?? true, seccompProgram: nil,
            signalsToReset: UnsafeBufferPointer(start: nil, count: 0),
            initDirectory: arena.string(initDirectory), initPath: arena.string(domain.os.initPath),
            arguments: arena.stringArray([domain.os.initPath] + domain.os.initArguments),
            environment: arena.stringArray(LaunchPreparation.environment(for: domain)))

        try prepareSecurity(domain, cache: paths.stateDirectory)
        let signals = LaunchPreparation.signalsNotAtDefault()
        context.signalsToReset = UnsafeBufferPointer(start: arena.array(signals), count: signals.count)
        if let root = plan.root, let stagingRoot {
            try HostDirectory.create(paths.stateDirectory, mode: 0o755)
            try HostDirectory.create(stagingRoot, mode: 0o755)
            // Something in it would be hidden under the root and keep it from being removed.
            guard FileIO.entries(of: stagingRoot).isEmpty else {
                throw RuntimeError("staging directory '\(stagingRoot)' is not empty; remove what is in it", code: .busy)
            }
            context.rootMount = try childMount(for: root)
        }
        var mounts: [ChildMount] = []
        for (index, step) in plan.steps.enumerated() {
            var mount = try childMount(for: step)
            mount.createTargetEarly = step.flags.contains(.unlocked) && !plan.steps[..<index].contains {
                $0.flags.contains(.unlocked) && step.target.isInside($0.target)
            }
            mounts.append(mount)
        }
        context.mounts = UnsafeBufferPointer(start: arena.array(mounts), count: mounts.count)
        context.detachedMounts = arena.array([Int32](repeating: -1, count: mounts.count))
    }

    /// Capabilities and the seccomp filter, computed with libcap and libseccomp here so the
    /// child only makes the system calls.
    private func prepareSecurity(_ domain: Domain, cache: String) throws {
        let capabilities = KernelCapabilities.mask(CapabilityPlan(domain.features.capabilities))
        context.droppedCapabilities = UnsafeBufferPointer(start: arena.array(capabilities.dropped), count: capabilities.dropped.count)
        context.keptCapabilities = UnsafePointer(arena.array(capabilities.words))
        let profile = SeccompProfile(domain.corral.seccomp)
        guard let denied = profile.denied else { return }
        try HostDirectory.create(cache, mode: 0o755, parents: true)
        let bytes = try SeccompProgram.program(profile, denied: denied, cache: cache)
        let instructions = arena.array(bytes)
        let program = arena.allocate(corral_bpf_program.self, count: 1)
        program.pointee = corral_bpf_program(length: UInt16(bytes.count / 8), instructions: UnsafeRawPointer(instructions))
        context.seccompProgram = UnsafePointer(program)
    }

    /// Signals this process ignores or handles (the caller's SIG_IGN for SIGPIPE, say).
    static func signalsNotAtDefault() -> [Int32] {
        (1..<Int32(65)).filter { $0 != SIGKILL && $0 != SIGSTOP && corral_signal_is_default($0) == 0 }
    }

    /// `container=corral` (how systemd and others detect a container), a default PATH, the
    /// domain's uuid when it has one, the caller's TERM, then <initenv> in order.
    static func environment(for domain: Domain) -> [String] {
        var environment = ["container=corral", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
        if let uuid = domain.uuid { environment.append("container_uuid=\(uuid)") }
        if let term = getenv("TERM") { environment.append("TERM=" + String(cString: term)) }
        environment += domain.os.initEnvironment.map { "\($0.name)=\($0.value)" }
        return environment
    }

    /// Lets every loop device go once the container's mounts hold them (or setup failed).
    func releaseLoopDevices() {
        for device in loopDevices { device.release() }
        loopDevices.removeAll()
    }

    /// Turns a plan step into a row of the child's table, doing the host-side part now:
    /// checking and creating directories, attaching images, probing filesystem types.
    private func childMount(for step: MountStep) throws -> ChildMount {
        var described = step
        let kind: ChildMount.Kind
        let source: String
        var options: [MountOption] = []
        var targetIsFile = false
        var device: (number: UInt64, mode: UInt32)? = nil
        switch step.source {
        case .hostDirectory(let directory):
            kind = .bindHost
            source = directory
        case .hostDevice(let path):
            source = path
            targetIsFile = true
            if let node = StandardDeviceNode.node(for: step) {
                kind = .deviceNode
                device = node
            } else {
                kind = .bindHost
            }
        case .containerDirectory(let directory):
            kind = .bindContainer
            source = LaunchPreparation.relative(directory)
        case .blockDevice(let device, let type):
            let claim = try BlockDeviceClaim(device, readOnly: step.flags.contains(.readOnly))
            claimedDevices.append(claim.descriptor)
            deviceRules.append(.filesystemDevice(claim.number, readOnly: step.flags.contains(.readOnly)))
            let resolved = try type ?? FilesystemProbe.type(of: device, described: device)
            described.source = .blockDevice(device, filesystemType: resolved)
            kind = .filesystem
            source = resolved
            options = [MountOption("source", device)] + (step.flags.contains(.readOnly) ? [MountOption("ro")] : [])
        case .imageFile(let image, let type):
            let loop = try LoopDevice.attach(image: image, readOnly: step.flags.contains(.readOnly), owner: containerName,
                                             waitForRelease: imagesMayBeReleasing)
            loopDevices.append(loop)
            deviceRules.append(.filesystemDevice(loop.number, readOnly: step.flags.contains(.readOnly)))
            let resolved = try type ?? FilesystemProbe.type(of: loop.path, described: image)
            described.source = .imageFile(image, filesystemType: resolved)
            kind = .filesystem
            source = resolved
            options = [MountOption("source", loop.path)] + (step.flags.contains(.readOnly) ? [MountOption("ro")] : [])
        case .overlay(let lower, let upper, let work):
            try HostDirectory.requireDirectory(lower, what: "template")
            try HostDirectory.create(upper, mode: 0o755, parents: true)
            try HostDirectory.create(work, mode: 0o700, parents: true)
            // The upper layer's top is the root of what the container sees: it belongs to the
            // container's root, mapped or not (the rest of the layer is made through overlayfs).
            let (uid, gid) = context.rootOwner
            if uid != 0 || gid != 0 {
                for directory in [upper, work] where chown(directory, uid, gid) != 0 {
                    throw SystemCallError.last("chown", directory, detail: "template layer for the mapped root")
                }
            }
            kind = .filesystem
            source = "overlay"
            options = [MountOption("lowerdir", lower), MountOption("upperdir", upper), MountOption("workdir", work)]
        case .filesystem(let type, let filesystemOptions):
            kind = .filesystem
            source = type
            options = filesystemOptions
        case .symlink(let destination):
            kind = .symlink
            source = destination
        }
        if case .hostDirectory(let directory) = step.source {
            try HostDirectory.requireDirectory(directory, mountedOn: step.target)
        }
        describedSteps.append((described, options))
        let childOptions = options.map {
            ChildMountOption(key: UnsafePointer(arena.string($0.key)), value: $0.value.map { UnsafePointer(arena.string($0)) })
        }
        return ChildMount(
            kind: kind, step: Int32(describedSteps.count - 1), source: UnsafePointer(arena.string(source)),
            target: arena.string(LaunchPreparation.relative(step.target)),
            options: childOptions.isEmpty ? nil : UnsafePointer(arena.array(childOptions)), optionCount: childOptions.count,
            attributes: LaunchPreparation.attributes(step.flags), targetIsFile: targetIsFile,
            optional: step.flags.contains(.ifPresent), afterCgroupPlacement: step.flags.contains(.afterCgroupPlacement),
            unlocked: step.flags.contains(.unlocked),
            device: device?.number ?? 0, mode: device?.mode ?? 0)
    }

    /// A container path relative to the root, as openat2 takes it: `/srv/www` → `srv/www`.
    static func relative(_ path: ContainerPath) -> String {
        path.isRoot ? "." : path.joinedComponents
    }

    static func attributes(_ flags: MountFlags) -> UInt64 {
        var attributes: UInt64 = 0
        if flags.contains(.readOnly) { attributes |= UInt64(MOUNT_ATTR_RDONLY) }
        if flags.contains(.noSetUID) { attributes |= UInt64(MOUNT_ATTR_NOSUID) }
        if flags.contains(.noDevices) { attributes |= UInt64(MOUNT_ATTR_NODEV) }
        if flags.contains(.noExecute) { attributes |= UInt64(MOUNT_ATTR_NOEXEC) }
        return attributes
    }
}
