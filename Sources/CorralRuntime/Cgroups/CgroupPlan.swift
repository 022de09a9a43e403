import CorralDomain

/// What one container's cgroup consists of on a given host layout, as plain data: the
/// directories to create and the files to write, in order (each write naming the element it
/// comes from), and where init goes. Computed without touching the system, so each driver's
/// paths and writes are unit-tested without root.
///
/// Every container has two levels, as LXC's `lxc.cgroup.dir.container.inner`: the limits and
/// the device access list go on the outer cgroup, `PARENT/NAME`; init and the root of its
/// cgroup namespace go in the inner one, `PARENT/NAME/payload`. Whatever the container mounts
/// (a v1 hierarchy, cgroup2) or writes, it reaches only the inner cgroup and below, and a
/// limit an ancestor holds cannot be lifted from beneath it.
public struct CgroupPlan: Sendable, Equatable {
    /// One write of a limit: `value` into `path`, for `element` (named in errors).
    public struct Write: Sendable, Equatable {
        public let path: String
        public let value: String
        public let element: String
    }

    /// What creating the cgroup does, in order.
    public enum Step: Sendable, Equatable {
        case create(String)
        case write(Write)
        /// Enables controllers for the children of a cgroup2 directory; refused (EBUSY) where
        /// the parent holds processes and so cannot delegate, which the start tolerates.
        case delegate(Write)
    }

    public var steps: [Step]
    /// The outer cgroup2 directory, if the host has cgroup2.
    public var unifiedDirectory: String?
    /// Where the device access list is attached as a program: the outer cgroup2 directory —
    /// unless a v1 devices hierarchy holds the list (a hybrid host), where the kernel already
    /// checks every device against it and a program would only repeat that check, at a BPF
    /// verifier run per start.
    public var deviceProgramDirectory: String?
    /// The inner cgroup2 directory init is cloned into (CLONE_INTO_CGROUP).
    public var payloadUnifiedDirectory: String?
    /// v1 `cgroup.procs` files (of the inner cgroups) init's pid is written to before it continues.
    public var procsFiles: [String]
    /// The container's outer directory in every hierarchy, for kill, removal and statistics.
    public var containerDirectories: [String]
    /// The inner directory in every hierarchy: what a container with its own user namespace owns.
    public var payloadDirectories: [String]
    /// The outer freezer directory on v1 (how a v1 cgroup is killed without races).
    public var freezer: String?
    /// The device access list, for the cgroup2 program (v1 gets it as writes).
    public var devices: [DeviceRule]

    /// The directories of the plan, in creation order.
    public var directories: [String] {
        steps.compactMap { if case .create(let directory) = $0 { directory } else { nil } }
    }

    /// The limit and device writes of the plan, in order.
    public var writes: [Write] {
        steps.compactMap { if case .write(let write) = $0 { write } else { nil } }
    }

    /// A v1 cpuset file (`…/cpuset.cpus`), which is written only when its value changes.
    static func isCpusetFile(_ path: String) -> Bool {
        let name = path.utf8.lastIndex(of: UInt8(ascii: "/")).map { path[path.utf8.index(after: $0)...] } ?? path[...]
        return name.hasPrefix("cpuset.")
    }

    /// The inner cgroup's name below the container's.
    public static let payloadName = "payload"

    /// Corral's tasks limit when `<corral:pids max>` does not give one: ample for a whole
    /// distribution's services, small enough to stop a fork bomb.
    public static let defaultPidsLimit: UInt32 = 4096

    /// The path of a container's cgroup below a hierarchy's root: `PARENT/NAME`, the name
    /// escaped as libvirt escapes it.
    public static func relativePath(parent: String, name: String) -> String {
        let trimmed = parent.split(separator: "/").joinedByAppending(separator: "/")
        let escaped = escape(name)
        return trimmed.isEmpty ? escaped : "\(trimmed)/\(escaped)"
    }

    /// Controller names, whose files (`memory.max`, `cpu.shares`) share a cgroup's directory
    /// with its children.
    static let controllerNames = ["blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "hugetlb", "io", "memory", "misc",
                                  "net_cls", "net_prio", "perf_event", "pids", "rdma"]

    /// libvirt's `virCgroupPartitionEscape`: a name that a cgroup's own files could take
    /// (`tasks`, `cgroup.procs`, `memory.max`, `release_agent`…), or that starts with `_` or
    /// `.`, gets a `_` in front, so every container name is a directory of its own.
    public static func escape(_ name: String) -> String {
        let clashes = name.hasPrefix("_") || name.hasPrefix(".") || name.hasPrefix("cgroup.")
            || ["tasks", "notify_on_release", "release_agent"].contains(name)
            || controllerNames.contains { name.hasPrefix($0 + ".") }
        return clashes ? "_" + name : name
    }

    /// The plan for `domain` on `layout`; `available` lists the v2 controllers the host offers
    /// (`cgroup.controllers` of the root); `devices` is the container's device access list.
    public init(domain: Domain, layout: CgroupLayout, parent: String, available: [String],
                devices: [DeviceRule] = DeviceRule.standard) {
        let components = CgroupPlan.relativePath(parent: parent, name: domain.name).split(separator: "/").map(String.init)
        let limits = CgroupLimits(domain)
        steps = []
        procsFiles = []
        containerDirectories = []
        payloadDirectories = []
        freezer = nil
        unifiedDirectory = nil
        deviceProgramDirectory = nil
        payloadUnifiedDirectory = nil
        self.devices = devices
        switch layout {
        case .unified(let root):
            let wanted = ["cpu", "cpuset", "io", "memory", "pids"].filter { available.contains($0) }
            let enable = wanted.map { "+" + $0 }.joinedByAppending(separator: " ")
            let outer = ([root] + components).joinedByAppending(separator: "/")
            var directory = root
            for component in components + [CgroupPlan.payloadName] {
                if !enable.isEmpty {
                    steps.append(.delegate(Write(path: "\(directory)/cgroup.subtree_control", value: enable, element: "cgroup delegation")))
                }
                directory += "/\(component)"
                steps.append(.create(directory))
                if directory == outer { steps += limits.unified(in: directory).map(Step.write) }
            }
            unifiedDirectory = outer
            deviceProgramDirectory = outer
            containerDirectories = [outer]
            payloadUnifiedDirectory = directory
            payloadDirectories = [directory]
        case .legacy(let hierarchies, let unified):
            // Controllers co-mounted (cpu,cpuacct) share one directory.
            var controllersByMount: [String: [String]] = [:]
            for (controller, mount) in hierarchies { controllersByMount[mount, default: []].append(controller) }
            for (mount, controllers) in controllersByMount.sorted(by: { $0.key < $1.key }) {
                var directory = mount
                for (index, component) in (components + [CgroupPlan.payloadName]).enumerated() {
                    directory += "/\(component)"
                    steps.append(.create(directory))
                    if controllers.contains("cpuset") {
                        // A v1 cpuset takes no task until it has cpus and mems: each level
                        // inherits its parent's, the container's own may narrow the cpus.
                        // Load balancing off first, while the cpus are still empty: giving a
                        // load-balanced cpuset cpus, or removing one that has them, rebuilds the
                        // kernel's scheduling domains, a walk of every cpuset on the host — twice
                        // per level and container. (The flag of a cpuset below a load-balanced
                        // root changes nothing: the root's domain spans every CPU.) Each value is
                        // written only where it differs (ContainerCgroup).
                        let own = index == components.count - 1 && limits.cpuset != nil
                        steps.append(.write(Write(path: "\(directory)/cpuset.sched_load_balance", value: "0", element: "cpuset")))
                        steps.append(.write(Write(path: "\(directory)/cpuset.cpus", value: own ? limits.cpuset ?? "" : "@parent",
                                                  element: own ? "<vcpu cpuset>" : "cpuset")))
                        steps.append(.write(Write(path: "\(directory)/cpuset.mems", value: "@parent", element: "cpuset")))
                    }
                    guard index == components.count - 1 else { continue }
                    // The outer cgroup: limits and the device list, before the inner one exists
                    // (a v1 device cgroup copies its parent's list when it is created).
                    for controller in controllers.sorted() {
                        if controller == "freezer" { freezer = directory }
                        steps += limits.legacy(controller: controller, in: directory).map(Step.write)
                        if controller == "devices" { steps += CgroupPlan.deviceWrites(devices, in: directory) }
                    }
                    containerDirectories.append(directory)
                }
                payloadDirectories.append(directory)
                procsFiles.append("\(directory)/cgroup.procs")
            }
            if let unified {
                var directory = unified
                for component in components {
                    directory += "/\(component)"
                    steps.append(.create(directory))
                }
                unifiedDirectory = directory
                if hierarchies["devices"] == nil { deviceProgramDirectory = directory }
                containerDirectories.append(directory)
                directory += "/\(CgroupPlan.payloadName)"
                steps.append(.create(directory))
                payloadUnifiedDirectory = directory
                payloadDirectories.append(directory)
            }
        }
    }

    /// The v1 form of the device list: deny everything, then allow each rule.
    static func deviceWrites(_ devices: [DeviceRule], in directory: String) -> [Step] {
        [.write(Write(path: "\(directory)/devices.deny", value: "a", element: "device access list"))]
            + devices.map { .write(Write(path: "\(directory)/devices.allow", value: $0.description, element: "device access list")) }
    }
}

/// The limits a domain asks for, as libvirt-lxc applies them.
struct CgroupLimits {
    let memoryMax: UInt64?
    let memorySoft: UInt64?
    let memoryAndSwapMax: UInt64?
    let pidsMax: UInt32
    let cpuShares: UInt64?
    let cpuPeriod: UInt64?
    let cpuQuota: Int64?
    let blkioWeight: UInt32?
    let cpuset: String?
    /// Which element each limit comes from, for errors.
    let memoryElement: String

    init(_ domain: Domain) {
        // <memtune><hard_limit> wins over <memory>, as in libvirt.
        memoryMax = (domain.memoryTune?.hardLimit ?? domain.memory)?.bytes
        memoryElement = domain.memoryTune?.hardLimit != nil ? "<memtune><hard_limit>" : "<memory>"
        memorySoft = domain.memoryTune?.softLimit?.bytes
        memoryAndSwapMax = domain.memoryTune?.swapHardLimit?.bytes
        pidsMax = domain.corral.pidsLimit ?? CgroupPlan.defaultPidsLimit
        cpuShares = domain.cpuTune?.shares
        cpuPeriod = domain.cpuTune?.period
        cpuQuota = domain.cpuTune?.quota
        blkioWeight = domain.blkioTune?.weight
        cpuset = domain.vcpu?.cpuset
    }

    func unified(in directory: String) -> [CgroupPlan.Write] {
        var writes: [CgroupPlan.Write] = []
        func add(_ file: String, _ value: String, _ element: String) {
            writes.append(CgroupPlan.Write(path: "\(directory)/\(file)", value: value, element: element))
        }
        if let memoryMax { add("memory.max", String(memoryMax), memoryElement) }
        if let memorySoft { add("memory.high", String(memorySoft), "<memtune><soft_limit>") }
        if let memoryAndSwapMax {
            // libvirt's swap_hard_limit is memory plus swap; v2 limits swap alone.
            let swap = memoryAndSwapMax > (memoryMax ?? 0) ? memoryAndSwapMax - (memoryMax ?? 0) : 0
            add("memory.swap.max", String(swap), "<memtune><swap_hard_limit>")
        }
        add("pids.max", String(pidsMax), "<corral:pids>")
        // libvirt's conversion of v1 shares (2…262144) to v2 weight (1…10000).
        if let cpuShares { add("cpu.weight", String(1 + (max(2, cpuShares) - 2) * 9999 / 262142), "<cputune><shares>") }
        if cpuQuota != nil || cpuPeriod != nil {
            let quota = cpuQuota.map { $0 < 0 ? "max" : String($0) } ?? "max"
            add("cpu.max", "\(quota) \(cpuPeriod ?? 100_000)", "<cputune><quota>")
        }
        if let blkioWeight { add("io.weight", "default \(blkioWeight)", "<blkiotune><weight>") }
        if let cpuset { add("cpuset.cpus", cpuset, "<vcpu cpuset>") }
        return writes
    }

    func legacy(controller: String, in directory: String) -> [CgroupPlan.Write] {
        var writes: [CgroupPlan.Write] = []
        func add(_ file: String, _ value: String, _ element: String) {
            writes.append(CgroupPlan.Write(path: "\(directory)/\(file)", value: value, element: element))
        }
        switch controller {
        case "memory":
            if let memoryMax { add("memory.limit_in_bytes", String(memoryMax), memoryElement) }
            if let memorySoft { add("memory.soft_limit_in_bytes", String(memorySoft), "<memtune><soft_limit>") }
            if let memoryAndSwapMax { add("memory.memsw.limit_in_bytes", String(memoryAndSwapMax), "<memtune><swap_hard_limit>") }
        case "pids":
            add("pids.max", String(pidsMax), "<corral:pids>")
        case "cpu":
            if let cpuShares { add("cpu.shares", String(cpuShares), "<cputune><shares>") }
            if let cpuPeriod { add("cpu.cfs_period_us", String(cpuPeriod), "<cputune><period>") }
            if let cpuQuota { add("cpu.cfs_quota_us", String(cpuQuota), "<cputune><quota>") }
        case "blkio":
            if let blkioWeight { add("blkio.weight", String(blkioWeight), "<blkiotune><weight>") }
        default:
            break
        }
        return writes
    }
}
