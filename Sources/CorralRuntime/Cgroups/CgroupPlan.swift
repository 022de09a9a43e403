import CorralDomain

/// What one container's cgroup consists of on a given host layout, as plain data: the
/// directories to create, the files to write (each naming the element it comes from), and
/// where init goes. Computed without touching the system, so each driver's paths and writes
/// are unit-tested without root.
public struct CgroupPlan: Sendable, Equatable {
    /// One write of a limit: `value` into `path`, for `element` (named in errors).
    public struct Write: Sendable, Equatable {
        public let path: String
        public let value: String
        public let element: String
    }

    /// Directories to create, parents first (the container's own last in each hierarchy).
    public var directories: [String]
    /// Controllers to enable for children on cgroup2: `delegations[i]` is written in the parent
    /// of `directories[i]` just before that directory is created.
    public var delegations: [Write]
    public var writes: [Write]
    /// The cgroup2 directory init is cloned into (CLONE_INTO_CGROUP), if the host has cgroup2.
    public var unifiedDirectory: String?
    /// v1 `cgroup.procs` files init's pid is written to before it continues.
    public var procsFiles: [String]
    /// The container's directory in every hierarchy, for kill, removal and statistics.
    public var containerDirectories: [String]
    /// The freezer's directory on v1 (how a v1 cgroup is killed without races).
    public var freezer: String?

    /// Corral's tasks limit when `<corral:pids max>` does not give one: ample for a whole
    /// distribution's services, small enough to stop a fork bomb.
    public static let defaultPidsLimit: UInt32 = 4096

    /// The path of a container's cgroup below a hierarchy's root: `PARENT/NAME`.
    public static func relativePath(parent: String, name: String) -> String {
        let trimmed = parent.split(separator: "/").joined(separator: "/")
        return trimmed.isEmpty ? name : "\(trimmed)/\(name)"
    }

    /// The plan for `domain` on `layout`; `available` lists the v2 controllers the host offers
    /// (`cgroup.controllers` of the root).
    public init(domain: Domain, layout: CgroupLayout, parent: String, available: Set<String>) {
        let relative = CgroupPlan.relativePath(parent: parent, name: domain.name)
        let limits = CgroupLimits(domain)
        directories = []
        delegations = []
        writes = []
        procsFiles = []
        containerDirectories = []
        freezer = nil
        unifiedDirectory = nil
        switch layout {
        case .unified(let root):
            let wanted = ["cpu", "cpuset", "io", "memory", "pids"].filter { available.contains($0) }
            let enable = wanted.map { "+" + $0 }.joined(separator: " ")
            var directory = root
            for component in relative.split(separator: "/") {
                if !enable.isEmpty { delegations.append(Write(path: "\(directory)/cgroup.subtree_control", value: enable, element: "cgroup delegation")) }
                directory += "/\(component)"
                directories.append(directory)
            }
            unifiedDirectory = directory
            containerDirectories = [directory]
            writes = limits.unified(in: directory)
        case .legacy(let hierarchies, let unified):
            // Controllers co-mounted (cpu,cpuacct) share one directory.
            var controllersByMount: [String: [String]] = [:]
            for (controller, mount) in hierarchies { controllersByMount[mount, default: []].append(controller) }
            for (mount, controllers) in controllersByMount.sorted(by: { $0.key < $1.key }) {
                var directory = mount
                for component in relative.split(separator: "/") {
                    directory += "/\(component)"
                    directories.append(directory)
                    if controllers.contains("cpuset") {
                        // A v1 cpuset takes no task until it has cpus and mems: each level
                        // inherits its parent's, the container's own may narrow the cpus.
                        let own = directory.hasSuffix("/\(domain.name)") && limits.cpuset != nil
                        writes.append(Write(path: "\(directory)/cpuset.cpus", value: own ? limits.cpuset ?? "" : "@parent",
                                            element: own ? "<vcpu cpuset>" : "cpuset"))
                        writes.append(Write(path: "\(directory)/cpuset.mems", value: "@parent", element: "cpuset"))
                    }
                }
                for controller in controllers.sorted() {
                    if controller == "freezer" { freezer = directory }
                    writes += limits.legacy(controller: controller, in: directory)
                }
                containerDirectories.append(directory)
                procsFiles.append("\(directory)/cgroup.procs")
            }
            if let unified {
                var directory = unified
                for component in relative.split(separator: "/") {
                    directory += "/\(component)"
                    directories.append(directory)
                }
                unifiedDirectory = directory
                containerDirectories.append(directory)
            }
        }
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
