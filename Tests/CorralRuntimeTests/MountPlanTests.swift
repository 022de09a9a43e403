import CorralDomain
@testable import CorralRuntime
import Testing

/// The plan is a pure value: its order and contents are checked here without root.
@Suite struct MountPlanTests {
    static let paths = RuntimePaths(templateDirectory: "/t", overlayDirectory: "/o", stateDirectory: "/s")

    static func plan(_ devices: String) throws -> MountPlan {
        let domain = try DomainParser.parse(
            "<domain type='lxc'><name>web</name><os><type>exe</type><init>/sbin/init</init></os><devices>\(devices)</devices></domain>",
            file: "test.xml")
        return MountPlan(domain: domain, paths: paths)
    }

    static func path(_ text: String) throws -> ContainerPath { try ContainerPath(parsing: text) }

    @Test func rootFirstThenByDepthThenBindsThenSystem() throws {
        let plan = try Self.plan("""
            <filesystem type='bind'><source dir='/srv/data'/><target dir='/data'/></filesystem>
            <filesystem type='ram'><source usage='1024'/><target dir='/srv/data/cache'/></filesystem>
            <filesystem type='mount'><source dir='/host/srv'/><target dir='/srv'/></filesystem>
            <filesystem type='mount'><source dir='/host/root'/><target dir='/'/></filesystem>
            <filesystem type='file'><source file='/img'/><target dir='/srv/data'/><readonly/></filesystem>
            """)
        #expect(plan.root == MountStep(.hostDirectory("/host/root"), at: .root))
        #expect(plan.steps.prefix(4).map(\.target.description) == ["/srv", "/srv/data", "/srv/data/cache", "/data"])
        #expect(plan.steps[1] == MountStep(.imageFile("/img", filesystemType: nil), at: try Self.path("/srv/data"), flags: .readOnly))
        #expect(plan.steps[3].source == .containerDirectory(try Self.path("/srv/data")))
        #expect(plan.steps.dropFirst(4).prefix(7).map(\.target.description) ==
            ["/proc", "/sys", "/sys/fs/cgroup", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue"])
    }

    /// libvirt-lxc's layout: the first console's pty is /dev/console, the next ones /dev/tty1, …
    @Test func consolesBecomeConsoleThenTTYs() throws {
        let domain = try DomainParser.parse("""
            <domain type='lxc'><name>web</name><os><type>exe</type><init>/sbin/init</init></os><devices>
            <filesystem><source dir='/r'/><target dir='/'/></filesystem></devices></domain>
            """, file: "test.xml")
        let plan = MountPlan(domain: domain, paths: Self.paths, consoles: ["/dev/pts/3", "/dev/pts/4", "/dev/pts/5"])
        let consoles = plan.steps.compactMap { step -> String? in
            if case .hostDevice(let device) = step.source, device.hasPrefix("/dev/pts/") { return "\(device)>\(step.target)" }
            return nil
        }
        #expect(consoles == ["/dev/pts/3>/dev/console", "/dev/pts/4>/dev/tty1", "/dev/pts/5>/dev/tty2"])
        // Without a root of its own a container keeps the host's /dev: nothing is bound there.
        let additive = try DomainParser.parse("<domain type='lxc'><name>a</name><os><type>exe</type><init>/bin/sh</init></os></domain>", file: "test.xml")
        #expect(!MountPlan(domain: additive, paths: Self.paths, consoles: ["/dev/pts/3", "/dev/pts/4"]).steps.contains {
            if case .hostDevice(let device) = $0.source { device.hasPrefix("/dev/pts/") } else { false }
        })
    }

    @Test func minimalDevHoldsOnlyTheStandardNodes() throws {
        let plan = try Self.plan("<filesystem><source dir='/r'/><target dir='/'/></filesystem>")
        let devices = plan.steps.compactMap { step -> String? in
            if case .hostDevice(let device) = step.source, step.target.components.first == "dev" { return "\(device)>\(step.target)" }
            return nil
        }
        #expect(devices == ["/dev/null>/dev/null", "/dev/zero>/dev/zero", "/dev/full>/dev/full",
                            "/dev/random>/dev/random", "/dev/urandom>/dev/urandom", "/dev/tty>/dev/tty"])
        let links = plan.steps.compactMap { step -> String? in
            if case .symlink(let destination) = step.source { return "\(step.target)>\(destination)" }
            return nil
        }
        #expect(links == ["/dev/ptmx>pts/ptmx", "/dev/fd>/proc/self/fd", "/dev/stdin>/proc/self/fd/0",
                          "/dev/stdout>/proc/self/fd/1", "/dev/stderr>/proc/self/fd/2"])
        let sys = try #require(plan.steps.first { $0.target.description == "/sys" })
        #expect(sys.flags.contains(.readOnly))
        let devpts = try #require(plan.steps.first { $0.target.description == "/dev/pts" })
        #expect(devpts.source == .filesystem(type: "devpts", options: [MountOption("newinstance"), MountOption("ptmxmode", "0666"),
                                                                         MountOption("mode", "0620"), MountOption("gid", "5")]))
    }

    @Test func withoutRootOnlyAdditiveMountsAndAFreshProc() throws {
        let plan = try Self.plan("<filesystem type='ram'><source usage='64' units='MiB'/><target dir='/scratch'/></filesystem>")
        #expect(plan.root == nil)
        #expect(Array(plan.steps.prefix(2)) == [
            MountStep(.filesystem(type: "tmpfs", options: [MountOption("size", "65536k"), MountOption("mode", "0755")]),
                      at: try Self.path("/scratch"), flags: [.noSetUID, .noDevices, .unlocked]),
            MountStep(.filesystem(type: "proc", options: []), at: try Self.path("/proc"), flags: .kernelFilesystem),
        ])
        #expect(Array(plan.steps.dropFirst(2)) == MountPlan.procMasks)
    }

    @Test func writableFilesystemsAreUnlockedUnlessALockedMountDependsOnThem() throws {
        let plan = try Self.plan("""
            <filesystem><source dir='/r'/><target dir='/'/></filesystem>
            <filesystem><source dir='/w'/><target dir='/srv'/></filesystem>
            <filesystem><source dir='/ro'/><target dir='/srv/ro'/><readonly/></filesystem>
            <filesystem><source dir='/data'/><target dir='/data'/></filesystem>
            <filesystem><source dir='/logs'/><target dir='/logs'/></filesystem>
            <filesystem type='bind'><source dir='/logs/app'/><target dir='/app-logs'/><readonly/></filesystem>
            <filesystem type='bind'><source dir='/data/x'/><target dir='/x'/></filesystem>
            """)
        func unlocked(_ target: String) throws -> Bool {
            try #require(plan.steps.first { $0.target.description == target }).flags.contains(.unlocked)
        }
        #expect(try !unlocked("/srv"), "a read-only filesystem lies below it")
        #expect(try !unlocked("/srv/ro"), "read-only")
        #expect(try unlocked("/data"), "writable, and only an unlocked bind depends on it")
        #expect(try !unlocked("/logs"), "the source of a read-only (locked) bind")
        #expect(try !unlocked("/app-logs"))
        #expect(try unlocked("/x"))
        #expect(plan.steps.filter { $0.flags.contains(.unlocked) }.count == 2, "kernel filesystems and masks stay locked")
        // A host directory with mounts below it stays locked: they come along with their flags.
        let withSubmounts = MountPlan(domain: try DomainParser.parse("""
            <domain type='lxc'><name>t</name><os><type>exe</type><init>/i</init></os><devices>
            <filesystem><source dir='/r'/><target dir='/'/></filesystem>
            <filesystem><source dir='/data'/><target dir='/data'/></filesystem></devices></domain>
            """, file: "t.xml"), paths: RuntimePaths(), hostSubmounts: { $0 == "/data" })
        #expect(withSubmounts.steps.first { $0.target.description == "/data" }?.flags.contains(.unlocked) == false)
    }

    @Test func procAndSysAreMaskedAndReadOnly() throws {
        let plan = try Self.plan("<filesystem><source dir='/r'/><target dir='/'/></filesystem>")
        func step(_ target: String) throws -> MountStep { try #require(plan.steps.first { $0.target.description == target }) }
        for masked in ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/sysrq-trigger"] {
            #expect(try step(masked) == MountStep(.hostDevice("/dev/null"), at: try Self.path(masked), flags: [.readOnly, .ifPresent]))
        }
        for readOnly in ["/proc/sys", "/proc/irq", "/proc/bus", "/proc/fs"] {
            #expect(try step(readOnly) == MountStep(.containerDirectory(try Self.path(readOnly)), at: try Self.path(readOnly),
                                                   flags: [.readOnly, .ifPresent]))
        }
        for emptied in ["/proc/acpi", "/proc/scsi", "/sys/firmware"] {
            let masked = try step(emptied)
            #expect(masked.flags.contains(.readOnly))
            #expect(masked.source == .filesystem(type: "tmpfs", options: [MountOption("size", "0"), MountOption("mode", "0555")]))
        }
        // Masks come after the filesystems they cover.
        let proc = try #require(plan.steps.firstIndex { $0.target.description == "/proc" })
        let kcore = try #require(plan.steps.firstIndex { $0.target.description == "/proc/kcore" })
        #expect(proc < kcore)
    }

    @Test func templateIsAnOverlayWithPerContainerLayers() throws {
        let plan = try Self.plan("""
            <filesystem type='template'><source name='debian'/><target dir='/'/></filesystem>
            <filesystem type='template'><source name='www'/><target dir='/srv/www'/></filesystem>
            """)
        #expect(plan.root?.source == .overlay(lower: "/t/debian", upper: "/o/web/root/upper", work: "/o/web/root/work"))
        #expect(plan.steps[0].source == .overlay(lower: "/t/www", upper: "/o/web/srv%2Fwww/upper", work: "/o/web/srv%2Fwww/work"))
    }

    @Test func readOnlyTemplateIsAReadOnlyBindWithoutUpperLayer() throws {
        let plan = try Self.plan("<filesystem type='template'><source name='debian'/><target dir='/'/><readonly/></filesystem>")
        #expect(plan.root == MountStep(.hostDirectory("/t/debian"), at: .root, flags: .readOnly))
    }

    @Test func driverFormatNamesTheFilesystemTypeOnlyWhenItIsOne() throws {
        let plan = try Self.plan("""
            <filesystem type='block'><driver format='xfs'/><source dev='/dev/vdb'/><target dir='/a'/></filesystem>
            <filesystem type='file'><driver type='loop' format='raw'/><source file='/i.img'/><target dir='/b'/></filesystem>
            """)
        #expect(plan.steps[0].source == .blockDevice("/dev/vdb", filesystemType: "xfs"))
        #expect(plan.steps[1].source == .imageFile("/i.img", filesystemType: nil))
    }

    @Test func stepsDescribeThemselvesLikeMountErrors() throws {
        let plan = try Self.plan("<filesystem><source dir='/srv/a'/><target dir='/mnt/a'/><readonly/></filesystem>")
        #expect(plan.steps[0].description == "mount '/srv/a' on '/mnt/a' (bind, ro)")
        #expect(plan.steps[1].description == "mount 'proc' on '/proc' (proc)")
    }

    @Test func layerNamesAreUniquePerTarget() throws {
        #expect(RuntimePaths.layerName(for: .root) == "root")
        #expect(RuntimePaths.layerName(for: try Self.path("/a/b")) == "a%2Fb")
        #expect(RuntimePaths.layerName(for: try Self.path("/a%2Fb")) == "a%252Fb")
        #expect(RuntimePaths.layerName(for: try Self.path("/root")) == "%72oot", "not the root filesystem's layer")
    }

    @Test func childPathsAreRelativeToTheRoot() throws {
        #expect(LaunchPreparation.relative(try Self.path("/srv/www")) == "srv/www")
        #expect(LaunchPreparation.relative(.root) == ".")
    }

    @Test func environmentHasContainerPathUUIDAndInitenvInOrder() throws {
        let domain = try DomainParser.parse("""
            <domain type='lxc'><name>a</name><uuid>8369f1ac-7e46-e869-4ca5-759d51478066</uuid>
            <os><type>exe</type><init>/i</init><initenv name='B'>2</initenv><initenv name='A'>1</initenv></os></domain>
            """, file: "t.xml")
        let environment = LaunchPreparation.environment(for: domain).filter { !$0.hasPrefix("TERM=") }
        #expect(environment == ["container=corral", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                "container_uuid=8369f1ac-7e46-e869-4ca5-759d51478066", "B=2", "A=1"])
    }
}
