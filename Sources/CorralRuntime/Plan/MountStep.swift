import CorralDomain

/// One mount the container needs, as plain data: what to mount, where inside the container,
/// and with which flags. The launcher executes steps in order; nothing here touches the system.
public struct MountStep: Sendable, Equatable, CustomStringConvertible {
    public var source: MountSource
    /// Resolved inside the container's root when mounted, even through its symlinks.
    public var target: ContainerPath
    public var flags: MountFlags

    public init(_ source: MountSource, at target: ContainerPath, flags: MountFlags = []) {
        self.source = source
        self.target = target
        self.flags = flags
    }

    /// How errors and logs name the step: `mount '/srv/www' on '/var/www' (bind, ro)`.
    public var description: String {
        var qualifiers = [source.kindName]
        if flags.contains(.readOnly) { qualifiers.append("ro") }
        let what = source.sourceDescription.map { "'\($0)' on " } ?? ""
        return "\(source.verb) \(what)'\(target)' (\(qualifiers.joined(separator: ", ")))"
    }
}

/// What a step mounts.
public enum MountSource: Sendable, Equatable {
    /// A host directory, bound recursively (`type='mount'`).
    case hostDirectory(String)
    /// A directory already inside the container, bound recursively (`type='bind'`).
    case containerDirectory(ContainerPath)
    /// A host device node bound onto an empty file (/dev/null, …): works in user namespaces,
    /// where mknod does not.
    case hostDevice(String)
    /// A block device; nil type = probe its superblock.
    case blockDevice(String, filesystemType: String?)
    /// An image file attached to a loop device at launch, then mounted as a block device.
    case imageFile(String, filesystemType: String?)
    /// An overlay: read-only template below a per-container upper layer.
    case overlay(lower: String, upper: String, work: String)
    /// A kernel filesystem with its options (`proc`, `tmpfs` with `size=…`).
    case filesystem(type: String, options: [MountOption])
    /// A symbolic link (`/dev/ptmx` → `pts/ptmx`).
    case symlink(to: String)

    var kindName: String {
        switch self {
        case .hostDirectory, .containerDirectory, .hostDevice: "bind"
        case .blockDevice(_, let type), .imageFile(_, let type): type ?? "probed"
        case .overlay: "overlay"
        case .filesystem(let type, _): type
        case .symlink: "symlink"
        }
    }

    var verb: String {
        if case .symlink = self { return "symlink" }
        return "mount"
    }

    var sourceDescription: String? {
        switch self {
        case .hostDirectory(let path), .hostDevice(let path), .blockDevice(let path, _), .imageFile(let path, _):
            path
        case .containerDirectory(let path): path.description
        case .overlay(let lower, _, _): lower
        case .filesystem(let type, _): type
        case .symlink(let destination): destination
        }
    }
}

/// A key or key=value option of a kernel filesystem (`size=65536k`, `newinstance`).
public struct MountOption: Sendable, Hashable {
    public var key: String
    public var value: String?

    public init(_ key: String, _ value: String? = nil) {
        self.key = key
        self.value = value
    }
}

/// Per-mount attributes (MOUNT_ATTR_*), applied recursively to binds.
public struct MountFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let readOnly = MountFlags(rawValue: 1 << 0)
    public static let noSetUID = MountFlags(rawValue: 1 << 1)
    public static let noDevices = MountFlags(rawValue: 1 << 2)
    public static let noExecute = MountFlags(rawValue: 1 << 3)

    /// Skip the step when its target does not exist (masks of /proc files some kernels lack);
    /// without it, missing targets are created.
    public static let ifPresent = MountFlags(rawValue: 1 << 4)

    /// Mounted once the container is in its cgroups and its cgroup namespace (the cgroup2 view
    /// of /sys/fs/cgroup); the launcher places it while the other mounts are being made.
    public static let afterCgroupPlacement = MountFlags(rawValue: 1 << 5)

    /// Attached in the container's own mount namespace, after its user namespace has locked
    /// everything else: a writable filesystem of the definition, which a system init unmounts
    /// at shutdown (a locked mount cannot be). Read-only filesystems, the root and the kernel's
    /// filesystems and masks stay locked.
    public static let unlocked = MountFlags(rawValue: 1 << 6)

    /// What /proc, /sys and the like get: nothing on them is a device or a setuid program.
    public static let kernelFilesystem: MountFlags = [.noSetUID, .noDevices, .noExecute]
}
