import CorralDomain

/// The ordered mounts that build a container's filesystem tree, computed from its `Domain`
/// without touching the system, so it can be tested without root.
///
/// Order (libvirt's lxc_container.c and crun agree): the root filesystem first, then the other
/// filesystems by target depth (a parent before what is mounted below it; document order
/// among equals) — `bind` filesystems after all others, since their source is a path of the
/// finished container tree, possibly another filesystem — then the kernel's filesystems and a
/// minimal /dev. With no `/` filesystem the
/// container keeps the host's root: only the additive mounts and a fresh /proc.
public struct MountPlan: Sendable, Equatable {
    /// The root filesystem's mount, made on the staging directory; nil = keep the host root.
    public var root: MountStep?
    /// Everything else, in execution order, relative to the new root.
    public var steps: [MountStep]

    public init(root: MountStep?, steps: [MountStep]) {
        self.root = root
        self.steps = steps
    }

    /// `consoles`: the host paths of the pty slaves that become the container's /dev/console,
    /// /dev/tty1, /dev/tty2, … (libvirt-lxc's layout for several `<console>`s).
    /// `hostSubmounts`: whether a host directory has mounts below it (which a recursive bind
    /// brings along, with their flags: such a filesystem stays locked).
    public init(domain: Domain, paths: RuntimePaths, consoles: [String] = [], hostSubmounts: (String) -> Bool = { _ in false }) {
        let owner = MountPlan.ownerOptions(domain.userNamespaceMap)
        let root = domain.rootFilesystem.map { MountPlan.step(for: $0, container: domain.name, paths: paths, owner: owner) }
        let others = domain.filesystems.enumerated()
            .filter { !$0.element.target.isRoot }
            .sorted { (MountPlan.isBind($0.element) ? 1 : 0, $0.element.target.depth, $0.offset)
                < (MountPlan.isBind($1.element) ? 1 : 0, $1.element.target.depth, $1.offset) }
            .map { MountPlan.step(for: $0.element, container: domain.name, paths: paths, owner: owner) }
        let ttyGroup = domain.userNamespaceMap.hostGroup(5).map { [MountOption("gid", String($0))] } ?? []
        var system = root == nil ? MountPlan.freshProc + MountPlan.procMasks
            : MountPlan.systemFilesystems(owner: owner, ttyGroup: ttyGroup) + MountPlan.procMasks + MountPlan.sysMasks
        if root != nil {
            for (index, console) in consoles.enumerated() {
                let name = index == 0 ? "console" : "tty\(index)"
                system.append(MountStep(.hostDevice(console), at: ContainerPath.literal("dev", Substring(name)), flags: [.noSetUID, .noExecute]))
            }
        }
        self.init(root: root, steps: MountPlan.unlockingWritable(others, hostSubmounts: hostSubmounts) + system)
    }

    /// Marks the writable filesystems `.unlocked`, except a host directory with mounts below it
    /// (the host's read-only submount must stay read-only) and any that a locked step must be
    /// made on or inside (a read-only filesystem below it, a kernel filesystem, a bind whose
    /// source is in it): locked mounts are all made before the unlocked ones exist.
    static func unlockingWritable(_ steps: [MountStep], hostSubmounts: (String) -> Bool = { _ in false }) -> [MountStep] {
        var steps = steps
        for index in steps.indices where !steps[index].flags.contains(.readOnly) {
            if case .hostDirectory(let directory) = steps[index].source, hostSubmounts(directory) { continue }
            steps[index].flags.insert(.unlocked)
        }
        let systemTargets = [ContainerPath.literal("proc"), .literal("sys"), .literal("dev")]
        var changed = true
        while changed {
            changed = false
            for index in steps.indices where steps[index].flags.contains(.unlocked) {
                let base = steps[index].target
                let lockedInside = steps.contains { step in
                    guard !step.flags.contains(.unlocked) else { return false }
                    if case .containerDirectory(let source) = step.source, source.isInside(base) { return true }
                    return step.target.isInside(base)
                } || systemTargets.contains { $0.isInside(base) || base.isInside($0) }
                if lockedInside {
                    steps[index].flags.remove(.unlocked)
                    changed = true
                }
            }
        }
        return steps
    }

    private static func isBind(_ filesystem: Filesystem) -> Bool {
        if case .bind = filesystem.source { return true }
        return false
    }

    /// `uid=`/`gid=` for the tmpfs mounts the container writes to (its /dev, /dev/shm, `ram`
    /// filesystems), so they belong to its root, not to the host's root that mounts them.
    static func ownerOptions(_ map: IDMap) -> [MountOption] {
        let uid = map.hostUser(0) ?? 0, gid = map.hostGroup(0) ?? 0
        return uid == 0 && gid == 0 ? [] : [MountOption("uid", String(uid)), MountOption("gid", String(gid))]
    }

    static func step(for filesystem: Filesystem, container: String, paths: RuntimePaths, owner: [MountOption] = []) -> MountStep {
        let flags: MountFlags = filesystem.readOnly ? [.readOnly] : []
        let source: MountSource
        switch filesystem.source {
        case .mount(let directory):
            source = .hostDirectory(directory)
        case .bind(let directory):
            source = .containerDirectory(directory)
        case .block(let device):
            source = .blockDevice(device, filesystemType: filesystemType(filesystem.driver))
        case .file(let image):
            source = .imageFile(image, filesystemType: filesystemType(filesystem.driver))
        case .template(let name):
            let lower = "\(paths.templateDirectory)/\(name)"
            if filesystem.readOnly {
                // No upper layer means nothing to write to: a read-only bind of the template
                // is the same tree, and works on every kernel.
                source = .hostDirectory(lower)
            } else {
                let layers = paths.overlayLayers(container: container, target: filesystem.target)
                source = .overlay(lower: lower, upper: layers.upper, work: layers.work)
            }
        case .ram(let size):
            source = .filesystem(type: "tmpfs", options: [MountOption("size", "\(size.kibibytes)k"), MountOption("mode", "0755")] + owner)
            return MountStep(source, at: filesystem.target, flags: flags.union([.noSetUID, .noDevices]))
        }
        return MountStep(source, at: filesystem.target, flags: flags)
    }

    /// A kernel filesystem name in `<driver format>` (Corral's extension); image formats such
    /// as `raw` say nothing about the filesystem inside, which is then probed.
    static func filesystemType(_ driver: FilesystemDriver?) -> String? {
        guard let format = driver?.format, FilesystemDriver.filesystemFormats.contains(format) else { return nil }
        return format
    }

    /// With the host's root kept, only /proc is replaced, so it shows the container's PIDs.
    static let freshProc = [MountStep(.filesystem(type: "proc", options: []), at: ContainerPath.literal("proc"), flags: .kernelFilesystem)]

    /// /proc, a read-only /sys, and a /dev holding only the standard nodes. `owner`: the tmpfs
    /// options that give /dev and /dev/shm to the container's root; `ttyGroup`: devpts' `gid=`
    /// for the container's group 5 (tty), when mapped.
    static func systemFilesystems(owner: [MountOption] = [], ttyGroup: [MountOption] = [MountOption("gid", "5")]) -> [MountStep] {
        var steps = [
            MountStep(.filesystem(type: "proc", options: []), at: ContainerPath.literal("proc"), flags: .kernelFilesystem),
            MountStep(.filesystem(type: "sysfs", options: []), at: ContainerPath.literal("sys"), flags: MountFlags.kernelFilesystem.union(.readOnly)),
            // The container's own cgroup subtree, writable: what systemd as init manages.
            MountStep(.filesystem(type: "cgroup2", options: []), at: ContainerPath.literal("sys", "fs", "cgroup"), flags: MountFlags.kernelFilesystem.union([.ifPresent, .afterCgroupPlacement])),
            MountStep(.filesystem(type: "tmpfs", options: [MountOption("mode", "0755"), MountOption("size", "64k")] + owner),
                      at: ContainerPath.literal("dev"), flags: [.noSetUID, .noExecute]),
            MountStep(.filesystem(type: "devpts", options: [MountOption("newinstance"), MountOption("ptmxmode", "0666"),
                                                            MountOption("mode", "0620")] + ttyGroup),
                      at: ContainerPath.literal("dev", "pts"), flags: [.noSetUID, .noExecute]),
            MountStep(.filesystem(type: "tmpfs", options: [MountOption("mode", "1777")] + owner), at: ContainerPath.literal("dev", "shm"),
                      flags: [.noSetUID, .noDevices]),
            MountStep(.filesystem(type: "mqueue", options: []), at: ContainerPath.literal("dev", "mqueue"), flags: .kernelFilesystem),
        ]
        for device in ["null", "zero", "full", "random", "urandom", "tty"] {
            steps.append(MountStep(.hostDevice("/dev/\(device)"), at: ContainerPath.literal("dev", Substring(device)), flags: [.noSetUID, .noExecute]))
        }
        for (link, destination) in [("ptmx", "pts/ptmx"), ("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                                    ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")] {
            steps.append(MountStep(.symlink(to: destination), at: ContainerPath.literal("dev", Substring(link))))
        }
        return steps
    }

    /// /proc files that show host secrets or act on the host, hidden under a read-only
    /// /dev/null; directories of host hardware, under an empty read-only tmpfs; kernel tunables,
    /// read-only (crun's and Docker's defaults). Missing ones are skipped.
    static let procMasks: [MountStep] = {
        let masked = ["kcore", "keys", "timer_list", "timer_stats", "sched_debug", "sysrq-trigger", "latency_stats"]
            .map { MountStep(.hostDevice("/dev/null"), at: ContainerPath.literal("proc", Substring($0)), flags: [.readOnly, .ifPresent]) }
        let emptied = ["acpi", "scsi"].map {
            MountStep(.filesystem(type: "tmpfs", options: [MountOption("size", "0"), MountOption("mode", "0555")]),
                      at: ContainerPath.literal("proc", Substring($0)), flags: MountFlags.kernelFilesystem.union([.readOnly, .ifPresent]))
        }
        let readOnly = ["sys", "irq", "bus", "fs", "asound"].map {
            MountStep(.containerDirectory(ContainerPath.literal("proc", Substring($0))), at: ContainerPath.literal("proc", Substring($0)), flags: [.readOnly, .ifPresent])
        }
        return masked + emptied + readOnly
    }()

    /// The host's firmware tables and power capping, under an empty read-only tmpfs.
    static let sysMasks: [MountStep] = [ContainerPath.literal("sys", "firmware"), .literal("sys", "devices", "virtual", "powercap")].map {
        MountStep(.filesystem(type: "tmpfs", options: [MountOption("size", "0"), MountOption("mode", "0555")]),
                  at: $0, flags: MountFlags.kernelFilesystem.union([.readOnly, .ifPresent]))
    }
}
