/// One container definition: the immutable value a domain XML file describes.
///
/// Everything the dialect defines is modelled with types that make invalid states
/// unrepresentable once parsing succeeded. Elements Corral does not model are kept verbatim
/// (`preservedElements`, `preservedDevices`, …) so a formatted file loses nothing; the runtime
/// refuses to start a container that depends on one of them (`unsupportedElements`).
public struct Domain: Sendable, Equatable {
    /// The container's name: names its files and, sanitised, its hostname.
    public var name: String
    /// libvirt's `<uuid>`; absent means the definition did not give one.
    public var uuid: DomainUUID?
    /// `<memory>`: the memory limit.
    public var memory: MemoryAmount?
    /// `<currentMemory>`: kept for libvirt compatibility.
    public var currentMemory: MemoryAmount?
    /// `<vcpu>`.
    public var vcpu: VirtualCPUs?
    /// `<memtune>`, `<cputune>`, `<blkiotune>`: resource limits, applied through cgroups.
    public var memoryTune: MemoryTune?
    public var cpuTune: CPUTune?
    public var blkioTune: BlkioTune?
    /// `<os>`: what to exec as the container's init and how.
    public var os: OperatingSystem
    /// `<idmap>`: present means the container runs in a user namespace.
    public var idmap: IDMap?
    /// `<features>`.
    public var features: Features
    /// `<on_poweroff>`, `<on_reboot>`, `<on_crash>`.
    public var lifecycle: Lifecycle
    /// `<devices><filesystem>` in document order.
    public var filesystems: [Filesystem]
    /// `<devices><console>` in document order: the first is the container's /dev/console, each
    /// further one its /dev/tty1, /dev/tty2, … (libvirt-lxc's layout).
    public var consoles: [Console]
    /// The first console, /dev/console.
    public var console: Console? { consoles.first }
    /// `<devices><interface>` of the types Corral realises, in document order (each element is
    /// also among `preservedDevices`, which the formatter writes).
    public var interfaces: [NetworkInterface] = []
    /// `<devices><hostdev mode='capabilities' type='net'>`: host NICs moved into the container
    /// (each element is also among `preservedDevices`).
    public var hostNICs: [HostNIC] = []
    /// Corral's own settings from `<metadata><corral:container>`.
    public var corral: CorralSettings
    /// Other `<metadata>` children, written back unchanged.
    public var foreignMetadata: [PreservedElement]
    /// Top-level elements Corral does not model (`<clock>`, `<resource>`, `<lxc:namespace>`, …).
    public var preservedElements: [PreservedElement]
    /// `<devices>` children Corral does not model (`<emulator>`, `<interface>`, `<hostdev>`, …).
    public var preservedDevices: [PreservedElement]
    /// `xmlns:*` declarations on `<domain>`, which preserved elements may rely on.
    public var namespaceDeclarations: [PreservedAttribute]

    public init(
        name: String, os: OperatingSystem, uuid: DomainUUID? = nil,
        memory: MemoryAmount? = nil, currentMemory: MemoryAmount? = nil, vcpu: VirtualCPUs? = nil,
        idmap: IDMap? = nil, features: Features = Features(), lifecycle: Lifecycle = Lifecycle(),
        filesystems: [Filesystem] = [], consoles: [Console] = [], corral: CorralSettings = CorralSettings(),
        foreignMetadata: [PreservedElement] = [], preservedElements: [PreservedElement] = [],
        preservedDevices: [PreservedElement] = [], namespaceDeclarations: [PreservedAttribute] = []
    ) {
        self.name = name
        self.uuid = uuid
        self.memory = memory
        self.currentMemory = currentMemory
        self.vcpu = vcpu
        self.memoryTune = nil
        self.cpuTune = nil
        self.blkioTune = nil
        self.os = os
        self.idmap = idmap
        self.features = features
        self.lifecycle = lifecycle
        self.filesystems = filesystems
        self.consoles = consoles
        self.corral = corral
        self.foreignMetadata = foreignMetadata
        self.preservedElements = preservedElements
        self.preservedDevices = preservedDevices
        self.namespaceDeclarations = namespaceDeclarations
    }

    /// The filesystem mounted at `/`, or nil when the container keeps the host's root.
    public var rootFilesystem: Filesystem? {
        filesystems.first { $0.target.isRoot }
    }
}
