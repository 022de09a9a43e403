import CorralDomain
@testable import CorralRuntime
import Testing

/// Each cgroup driver's directories, writes and placement, computed without root.
@Suite struct CgroupPlanTests {
    static let hybridMountinfo = """
        30 22 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
        31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
        32 30 0:28 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd
        35 30 0:31 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,memory
        36 30 0:32 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,cpu,cpuacct
        37 30 0:33 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,pids
        38 30 0:34 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup rw,freezer
        39 30 0:35 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:19 - cgroup cgroup rw,cpuset
        """
    static let unifiedMountinfo = "29 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot"

    static func domain(_ extra: String) throws -> Domain {
        try DomainParser.parse("<domain type='lxc'><name>web</name>\(extra)<os><type>exe</type><init>/i</init></os></domain>", file: "t.xml")
    }

    static let limits = """
        <memory unit='MiB'>64</memory>
        <memtune><soft_limit unit='MiB'>48</soft_limit><swap_hard_limit unit='MiB'>96</swap_hard_limit></memtune>
        <cputune><shares>2048</shares><period>100000</period><quota>50000</quota></cputune>
        <blkiotune><weight>500</weight></blkiotune>
        <metadata><c:container xmlns:c='https://corral.dev/xmlns/container/1'><c:pids max='100'/></c:container></metadata>
        """

    @Test func detectsTheLayouts() throws {
        #expect(CgroupLayout.detect(mountinfo: Self.unifiedMountinfo) == .unified(root: "/sys/fs/cgroup"))
        let hybrid = try #require(CgroupLayout.detect(mountinfo: Self.hybridMountinfo))
        guard case .legacy(let hierarchies, let unified) = hybrid else {
            Issue.record("not hybrid: \(hybrid)")
            return
        }
        #expect(unified == "/sys/fs/cgroup/unified")
        #expect(hierarchies["memory"] == "/sys/fs/cgroup/memory")
        #expect(hierarchies["cpu"] == "/sys/fs/cgroup/cpu,cpuacct")
        #expect(hierarchies["cpuacct"] == "/sys/fs/cgroup/cpu,cpuacct")
        #expect(hierarchies["name=systemd"] == "/sys/fs/cgroup/systemd")
        #expect(Set(hierarchies.keys) == ["name=systemd", "memory", "cpu", "cpuacct", "pids", "freezer", "cpuset"], "flags such as xattr are not controllers")
        #expect(hybrid.name == "hybrid cgroup v1/v2")
        #expect(CgroupLayout.detect(mountinfo: "1 0 8:1 / / rw - ext4 /dev/vda rw") == nil)
        // Lines that are short, empty, without a separator or with optional fields, and a
        // cgroup2 mount point in non-ASCII bytes: only well-formed cgroup lines count.
        let odd = "\n\n1 0\n2 1 0:5 / /x rw shared:1 master:2 - cgroup2\n3 1 0:6 / /sys/fs/cgroup/ünified rw shared:3 - cgroup2 cgroup2 rw\n"
            + "4 1 0:7 / /y rw cgroup cgroup rw,memory\n"
        #expect(CgroupLayout.detect(mountinfo: odd) == .unified(root: "/sys/fs/cgroup/ünified"))
    }

    @Test func unifiedDriverDelegatesAndWritesV2Files() throws {
        let plan = CgroupPlan(domain: try Self.domain(Self.limits), layout: .unified(root: "/sys/fs/cgroup"), parent: "corral",
                              available: ["cpu", "memory", "pids", "io", "hugetlb"])
        #expect(plan.directories == ["/sys/fs/cgroup/corral", "/sys/fs/cgroup/corral/web", "/sys/fs/cgroup/corral/web/payload"])
        let delegations = plan.steps.compactMap { if case .delegate(let write) = $0 { write } else { nil } }
        #expect(delegations.map(\.path) == ["/sys/fs/cgroup/cgroup.subtree_control", "/sys/fs/cgroup/corral/cgroup.subtree_control",
                                            "/sys/fs/cgroup/corral/web/cgroup.subtree_control"],
                "each level delegates before its child exists, the outer cgroup to the inner one too")
        #expect(delegations.first?.value == "+cpu +io +memory +pids")
        #expect(plan.unifiedDirectory == "/sys/fs/cgroup/corral/web")
        #expect(plan.deviceProgramDirectory == "/sys/fs/cgroup/corral/web", "cgroup2 has no devices controller: a program")
        #expect(plan.payloadUnifiedDirectory == "/sys/fs/cgroup/corral/web/payload", "init goes in the inner cgroup")
        #expect(plan.payloadDirectories == ["/sys/fs/cgroup/corral/web/payload"])
        #expect(plan.procsFiles.isEmpty, "init is cloned into place on v2")
        #expect(plan.writes.allSatisfy { $0.path.hasPrefix("/sys/fs/cgroup/corral/web/") && !$0.path.contains("payload") },
                "limits go on the outer cgroup only")
        let writes = Dictionary(uniqueKeysWithValues: plan.writes.map { ($0.path.split(separator: "/").last.map(String.init) ?? "", $0.value) })
        #expect(writes == ["memory.max": "67108864", "memory.high": "50331648", "memory.swap.max": "33554432",
                           "pids.max": "100", "cpu.weight": "79", "cpu.max": "50000 100000", "io.weight": "default 500"])
        #expect(plan.writes.first { $0.path.hasSuffix("memory.max") }?.element == "<memory>")
    }

    @Test func hybridDriverWritesV1FilesAndPlacesByProcs() throws {
        let layout = try #require(CgroupLayout.detect(mountinfo: Self.hybridMountinfo))
        let plan = CgroupPlan(domain: try Self.domain(Self.limits), layout: layout, parent: "corral", available: [])
        #expect(plan.unifiedDirectory == "/sys/fs/cgroup/unified/corral/web")
        #expect(plan.deviceProgramDirectory == "/sys/fs/cgroup/unified/corral/web", "no v1 devices hierarchy here: a program")
        #expect(plan.payloadUnifiedDirectory == "/sys/fs/cgroup/unified/corral/web/payload")
        #expect(plan.freezer == "/sys/fs/cgroup/freezer/corral/web")
        #expect(plan.procsFiles.contains("/sys/fs/cgroup/memory/corral/web/payload/cgroup.procs"))
        #expect(plan.procsFiles.filter { $0.contains("cpu,cpuacct") }.count == 1, "co-mounted controllers share one directory")
        #expect(plan.procsFiles.contains("/sys/fs/cgroup/systemd/corral/web/payload/cgroup.procs"))
        #expect(plan.containerDirectories.contains("/sys/fs/cgroup/memory/corral/web"))
        let writes = Dictionary(plan.writes.map { ($0.path, $0.value) }, uniquingKeysWith: { first, _ in first })
        #expect(writes["/sys/fs/cgroup/memory/corral/web/memory.limit_in_bytes"] == "67108864")
        #expect(writes["/sys/fs/cgroup/memory/corral/web/memory.soft_limit_in_bytes"] == "50331648")
        #expect(writes["/sys/fs/cgroup/memory/corral/web/memory.memsw.limit_in_bytes"] == "100663296")
        #expect(writes["/sys/fs/cgroup/pids/corral/web/pids.max"] == "100")
        #expect(writes["/sys/fs/cgroup/cpu,cpuacct/corral/web/cpu.shares"] == "2048")
        #expect(writes["/sys/fs/cgroup/cpu,cpuacct/corral/web/cpu.cfs_quota_us"] == "50000")
        #expect(writes["/sys/fs/cgroup/cpuset/corral/cpuset.cpus"] == "@parent")
        #expect(writes["/sys/fs/cgroup/cpuset/corral/web/cpuset.mems"] == "@parent")
        #expect(writes["/sys/fs/cgroup/cpuset/corral/web/payload/cpuset.cpus"] == "@parent")
        #expect(writes["/sys/fs/cgroup/cpuset/corral/web/payload/cpuset.sched_load_balance"] == "0",
                "no scheduling-domain rebuild when the inner cpuset gets its cpus or goes")
        #expect(!writes.keys.contains { $0.contains("payload") && !$0.contains("cpuset") },
                "no limit on the inner cgroup")
    }

    @Test func theV1DeviceListIsWrittenBeforeTheInnerCgroupExists() throws {
        let layout = CgroupLayout.legacy(hierarchies: ["devices": "/cg/devices"], unified: nil)
        let devices = DeviceRule.standard + [.filesystemDevice(7 << 8 | 3, readOnly: true)]
        let plan = CgroupPlan(domain: try Self.domain(""), layout: layout, parent: "corral", available: [], devices: devices)
        #expect(plan.steps == [
            .create("/cg/devices/corral"), .create("/cg/devices/corral/web"),
            .write(CgroupPlan.Write(path: "/cg/devices/corral/web/devices.deny", value: "a", element: "device access list")),
        ] + devices.map { .write(CgroupPlan.Write(path: "/cg/devices/corral/web/devices.allow", value: $0.description, element: "device access list")) }
          + [.create("/cg/devices/corral/web/payload")])
        #expect(devices.map(\.description) == ["c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm",
                                               "c 5:2 rwm", "c 136:* rw", "b 7:3 r"])
    }

    @Test func namesACgroupsOwnFilesCouldTakeAreEscapedAsLibvirtDoes() {
        #expect(CgroupPlan.relativePath(parent: "corral", name: "tasks") == "corral/_tasks")
        #expect(CgroupPlan.relativePath(parent: "corral", name: "cgroup.procs") == "corral/_cgroup.procs")
        #expect(CgroupPlan.relativePath(parent: "corral", name: "memory.max") == "corral/_memory.max")
        #expect(CgroupPlan.relativePath(parent: "corral", name: "_web") == "corral/__web")
        #expect(CgroupPlan.relativePath(parent: "corral", name: ".hidden") == "corral/_.hidden")
        #expect(CgroupPlan.relativePath(parent: "corral", name: "web.example") == "corral/web.example")
        #expect(CgroupPlan.relativePath(parent: "corral", name: "memory") == "corral/memory")
    }

    @Test func aV1DevicesHierarchyHoldsTheDeviceListWithoutAProgram() throws {
        let layout = CgroupLayout.legacy(hierarchies: ["devices": "/cg/devices"], unified: "/cg/unified")
        let plan = CgroupPlan(domain: try Self.domain(""), layout: layout, parent: "corral", available: [])
        #expect(plan.deviceProgramDirectory == nil)
        #expect(plan.writes.contains { $0.path == "/cg/devices/corral/web/devices.deny" && $0.value == "a" })
    }

    @Test func onlyV1CpusetFilesAreCpusetFiles() {
        #expect(CgroupPlan.isCpusetFile("/sys/fs/cgroup/cpuset/corral/web/cpuset.cpus"))
        #expect(CgroupPlan.isCpusetFile("cpuset.mems"))
        #expect(!CgroupPlan.isCpusetFile("/sys/fs/cgroup/cpuset/corral/web/cgroup.procs"))
        #expect(!CgroupPlan.isCpusetFile("/sys/fs/cgroup/cpuset.d/memory.max"))
    }

    @Test func legacyDriverHasNoUnifiedDirectory() throws {
        let plan = CgroupPlan(domain: try Self.domain(""), layout: .legacy(hierarchies: ["pids": "/cg/pids"], unified: nil),
                              parent: "/a/b/", available: [])
        #expect(plan.directories == ["/cg/pids/a", "/cg/pids/a/b", "/cg/pids/a/b/web", "/cg/pids/a/b/web/payload"])
        #expect(plan.unifiedDirectory == nil)
        #expect(plan.writes.map(\.value) == ["4096"], "the default pids limit")
    }
}
