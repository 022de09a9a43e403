@testable import CorralRuntime
import CorralTestSupport
import Foundation
import Testing

/// Cgroup limits proven from inside real containers, and cgroups gone after each of them.
@Suite(.enabled(if: ContainerSandbox.canRunContainers, ContainerSandbox.skipReason))
struct CgroupTests {
    /// Every place the container `name`'s cgroup could be, on any host layout.
    static func cgroupDirectories(_ name: String, parent: String) -> [String] {
        let hierarchies = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? []
        return ["/sys/fs/cgroup/\(parent)/\(name)"] + hierarchies.map { "/sys/fs/cgroup/\($0)/\(parent)/\(name)" }
    }

    static func expectNoCgroup(_ name: String, in sandbox: ContainerSandbox, sourceLocation: SourceLocation = #_sourceLocation) {
        let left = cgroupDirectories(name, parent: sandbox.cgroupParent).filter { FileManager.default.fileExists(atPath: $0) }
        #expect(left.isEmpty, "cgroup directories left: \(left)", sourceLocation: sourceLocation)
    }

    @Test func memoryLimitStopsALargerAllocationAndAllowsASmallerOne() throws {
        try ContainerSandbox.with { sandbox in
            try sandbox.installSyscallProbe()
            let small = try sandbox.run(sandbox.domain("mem64", script: "/bin/probe alloc 256; echo \"status=$?\"",
                                                       extra: "<memory unit='MiB'>64</memory>"))
            #expect(!small.output.contains("256 MiB allocated"), "\(small.output)")
            #expect(small.output.contains("status=137"), "the allocation is killed by the OOM killer: \(small.output)")
            let large = try sandbox.run(sandbox.domain("mem1g", script: "/bin/probe alloc 256; echo \"status=$?\"",
                                                       extra: "<memory unit='GiB'>1</memory>"))
            #expect(large.output == "alloc: 256 MiB allocated\nstatus=0\n", "\(large.output)\(large.errors)")
            Self.expectNoCgroup("mem64", in: sandbox)
            Self.expectNoCgroup("mem1g", in: sandbox)
        }
    }

    /// An init the OOM killer ends is reported as out of memory, with the limit it reached.
    @Test func anInitKilledForMemorySaysSo() throws {
        try ContainerSandbox.with { sandbox in
            try sandbox.installSyscallProbe()
            var definition = sandbox.domain("hungry", script: "", extra: "<memory unit='MiB'>32</memory>")
            definition = definition.replacingOccurrences(of: "<init>/bin/sh</init>", with: "<init>/bin/probe</init>")
                .replacingOccurrences(of: "<initarg>-c</initarg>", with: "<initarg>alloc</initarg>")
                .replacingOccurrences(of: "<initarg></initarg>", with: "<initarg>256</initarg>")
            let file = "\(sandbox.directory)/hungry.xml"
            try definition.write(toFile: file, atomically: true, encoding: .utf8)
            let run = try ContainerSandbox.run(ContainerSandbox.buildDirectory + "/corral-monitor",
                                               [file, "--state-dir", sandbox.state, "--cgroup-parent", sandbox.cgroupParent],
                                               in: sandbox.directory)
            #expect(run.status == 137)
            #expect(run.errors.contains("hungry: init was killed by signal 9: out of memory (limit 32 MiB) (crashed)"), "\(run.errors)")
        }
    }

    @Test func forkBombStopsAtThePidsLimit() throws {
        try ContainerSandbox.with { sandbox in
            try sandbox.installSyscallProbe()
            let run = try sandbox.run(sandbox.domain("bomb", script: "/bin/probe forkbomb",
                                                     extra: "<metadata><c:container xmlns:c='https://corral.dev/xmlns/container/1'><c:pids max='40'/></c:container></metadata>"))
            #expect(run.status == 0, "\(run.errors)")
            let forks = run.output.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? -1
            #expect((30..<40).contains(forks), "\(run.output)")
            #expect(run.output.hasSuffix("then: Resource temporarily unavailable\n"))
            // The host still forks.
            #expect(try ContainerSandbox.run("/bin/true", [], in: sandbox.directory).status == 0)
            Self.expectNoCgroup("bomb", in: sandbox)
        }
    }

    @Test func theContainerOwnsItsCgroupNamespaceAndSubtree() throws {
        try ContainerSandbox.with { sandbox in
            let run = try sandbox.run(sandbox.domain("own", script: """
                grep '^0::' /proc/self/cgroup; mkdir /sys/fs/cgroup/service && echo made-subgroup; cat /sys/fs/cgroup/cgroup.procs | head -1
                """))
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output == "0::/\nmade-subgroup\n1\n", "\(run.output)")
            // Its own sub-cgroup is removed with it.
            Self.expectNoCgroup("own", in: sandbox)
        }
    }

    /// With `<idmap>`, the mapped root owns its inner cgroup (so it can make sub-cgroups, as
    /// systemd does), and not the outer one that holds its limits.
    @Test func anIdmappedRootOwnsItsInnerCgroupOnly() throws {
        let root = ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"].first { FileManager.default.fileExists(atPath: "\($0)/cgroup.procs") }
        try ContainerSandbox.with { sandbox in
            let outer = try #require(root.map { "\($0)/\(sandbox.cgroupParent)/mapped" }, "no cgroup2 hierarchy")
            let run = try sandbox.run(sandbox.domain("mapped", script: """
                mkdir /sys/fs/cgroup/service && echo made-subgroup
                echo $$ > /sys/fs/cgroup/service/cgroup.procs && echo moved
                stat -c '%u:%g' /sys/fs/cgroup /sys/fs/cgroup/cgroup.procs
                """, extra: EscapeTests.idmap))
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output == "made-subgroup\nmoved\n0:0\n0:0\n", "root inside owns its cgroup: \(run.output)")
            Self.expectNoCgroup("mapped", in: sandbox)
            // The outer cgroup, seen from the host while one runs: the host root's.
            let release = "\(sandbox.directory)/release"
            try Data().write(to: URL(fileURLWithPath: release))
            let container = try sandbox.start(sandbox.domain("mapped", script: "while [ -e /host/release ]; do sleep 0.05; done",
                devices: "<filesystem type='mount'><source dir='\(sandbox.directory)'/><target dir='/host'/></filesystem>",
                extra: EscapeTests.idmap), name: "mapped")
            ContainerSandbox.waitUntil({ FileManager.default.fileExists(atPath: "\(outer)/payload") }, while: { container.isRunning })
            var outerStatus = stat(), innerStatus = stat(), limitStatus = stat()
            let statted = stat(outer, &outerStatus) == 0 && stat("\(outer)/payload", &innerStatus) == 0
                && stat("\(outer)/cgroup.procs", &limitStatus) == 0
            try FileManager.default.removeItem(atPath: release)
            container.waitUntilExit()
            #expect(statted)
            #expect(innerStatus.st_uid == 100_000 && innerStatus.st_gid == 100_000, "the inner cgroup is the mapped root's")
            #expect(outerStatus.st_uid == 0 && limitStatus.st_uid == 0, "the outer cgroup and its files stay the host root's")
        }
    }

    /// Sub-cgroups the container made, with names that are not UTF-8, in its cgroup2 view and in
    /// a v1 hierarchy it mounted: all removed with it.
    @Test func cgroupsTheContainerNamedInAnyBytesAreRemoved() throws {
        try ContainerSandbox.with { sandbox in
            let run = try sandbox.run(sandbox.domain("bytes", script: """
                name=$(printf '\\377\\376x'); mkdir "/sys/fs/cgroup/$name" && mkdir "/sys/fs/cgroup/$name/$name" && echo made-v2
                mkdir -p /tmp/p && mount -t cgroup -o pids none /tmp/p 2>/dev/null && mkdir "/tmp/p/$name" && echo made-v1
                true
                """, devices: "<filesystem type='ram'><source usage='1' units='MiB'/><target dir='/tmp'/></filesystem>"))
            #expect(run.output.contains("made-v2"), "\(run.output)\(run.errors)")
            Self.expectNoCgroup("bytes", in: sandbox)
        }
    }

    @Test func namesLikeACgroupsOwnFilesStart() throws {
        try ContainerSandbox.with { sandbox in
            for name in ["tasks", "cgroup.procs", "memory.max"] {
                let run = try sandbox.run(sandbox.domain(name, script: "echo ran"))
                #expect(run.status == 0 && run.output == "ran\n", "\(name): \(run.errors)")
                Self.expectNoCgroup("_" + name, in: sandbox)
            }
        }
    }

    @Test func noCgroupIsLeftWhenSetupFailsHalfWay() throws {
        try ContainerSandbox.with { sandbox in
            var definition = sandbox.domain("halfway", script: "true", extra: "<memory unit='MiB'>64</memory>")
            definition = definition.replacingOccurrences(of: "<init>/bin/sh</init>", with: "<init>/bin/nonexistent</init>")
            let run = try sandbox.run(definition)
            #expect(run.status == 125)
            Self.expectNoCgroup("halfway", in: sandbox)
        }
    }

    /// Cgroups are host-wide: a populated cgroup of the same name (another container, or
    /// anything placed there) refuses the start, and the refusal touches none of it — not its
    /// processes, not its empty sub-cgroups — and leaves nothing of its own.
    @Test func aBusyCgroupOfTheSameNameRefusesTheStartAndIsLeftAlone() throws {
        let root = ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"].first { FileManager.default.fileExists(atPath: "\($0)/cgroup.procs") }
        try ContainerSandbox.with { sandbox in
            let occupant = try #require(root.map { "\($0)/\(sandbox.cgroupParent)/busy" }, "no cgroup2 hierarchy")
            try FileManager.default.createDirectory(atPath: "\(occupant)/payload", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: "\(occupant)/idle", withIntermediateDirectories: true)
            // Removed once the sleeper is gone (below, as withBackgroundProcess returns).
            defer { for directory in ["\(occupant)/payload", "\(occupant)/idle", occupant] { rmdir(directory) } }
            try ContainerSandbox.withBackgroundProcess { sleeper in
                try "\(sleeper.processIdentifier)\n".write(toFile: "\(occupant)/payload/cgroup.procs", atomically: false, encoding: .utf8)

                let run = try sandbox.run(sandbox.domain("busy", script: "echo ran"))
                #expect(run.status == 125)
                #expect(run.errors.contains("'\(occupant)' is in use: a container named like this one is already running"), "\(run.errors)")
                #expect(sleeper.isRunning, "the occupant's process is untouched")
                #expect(FileManager.default.fileExists(atPath: "\(occupant)/idle"), "the occupant's empty sub-cgroup is untouched")
                // What the refused start had made in the other hierarchies (a hybrid host's v1
                // ones, made before it met the occupant) is gone.
                let left = Self.cgroupDirectories("busy", parent: sandbox.cgroupParent)
                    .filter { $0 != occupant && FileManager.default.fileExists(atPath: $0) }
                #expect(left.isEmpty, "cgroup directories left: \(left)")
            }
        }
    }

    /// A start holds a host-wide claim on its cgroup path while the cgroup exists: a start of
    /// the same path from another state directory (another corrald, `corralctl run
    /// --state-dir`) is refused as busy even before the first has put a process there, and
    /// makes nothing; once the claim is let go, the name starts.
    @Test func aStartElsewhereOfTheSameCgroupIsRefusedWhileItIsClaimed() throws {
        try ContainerSandbox.with { sandbox in
            let path = CgroupClaim.path(of: CgroupPlan.relativePath(parent: sandbox.cgroupParent, name: "claimed"))
            try FileManager.default.createDirectory(atPath: CgroupClaim.directory, withIntermediateDirectories: true)
            let holder = try OwnedDescriptor.open(path, O_RDWR | O_CREAT, mode: 0o600)
            #expect(try holder.tryLock(exclusive: true, path: path))
            let refused = try sandbox.run(sandbox.domain("claimed", script: "echo ran"))
            #expect(refused.status == 125)
            #expect(refused.errors.contains("is in use: a container named like this one is already starting or running on this host"),
                    "\(refused.errors)")
            Self.expectNoCgroup("claimed", in: sandbox)
            holder.close()
            let started = try sandbox.run(sandbox.domain("claimed", script: "echo ran"))
            #expect(started.status == 0 && started.output == "ran\n", "\(started.errors)")
            Self.expectNoCgroup("claimed", in: sandbox)
        }
    }

    /// `<blkiotune><weight>` is written where this host has the file — in the container's own
    /// cgroup (blkio.weight on v1, io.weight on cgroup2), probed there rather than at a
    /// hierarchy's root, which has no io.weight — or refused, naming the element.
    /// `<vcpu cpuset>` pins the container's processes, seen from inside; on a v1 host each of its
    /// cpusets has load balancing off (so giving it cpus or removing it rebuilds no scheduling
    /// domains) and the container still runs on every CPU it is given.
    @Test func aCpusetPinsTheContainer() throws {
        let v1 = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cpuset/cgroup.procs")
        try ContainerSandbox.with { sandbox in
            let pinned = try sandbox.run(sandbox.domain("pinned", script: "grep Cpus_allowed_list /proc/self/status",
                                                        extra: "<vcpu cpuset='0'>1</vcpu>"))
            #expect(pinned.status == 0, "\(pinned.errors)")
            #expect(pinned.output.hasSuffix("\t0\n"), "\(pinned.output)")
            let all = (try? String(contentsOfFile: "/sys/fs/cgroup/cpuset/cpuset.effective_cpus", encoding: .utf8))
                ?? (try? String(contentsOfFile: "/sys/fs/cgroup/cpuset.cpus.effective", encoding: .utf8)) ?? ""
            let free = try sandbox.run(sandbox.domain("free", script: "grep Cpus_allowed_list /proc/self/status"))
            #expect(free.output.hasSuffix("\t\(all.trimmingCharacters(in: .whitespacesAndNewlines))\n"), "\(free.output) against \(all)")
            if v1 {
                let outer = "/sys/fs/cgroup/cpuset/\(sandbox.cgroupParent)"
                let release = "\(sandbox.directory)/release"
                try Data().write(to: URL(fileURLWithPath: release))
                let container = try sandbox.start(sandbox.domain("held", script: "while [ -e /host/release ]; do sleep 0.05; done",
                    devices: "<filesystem type='mount'><source dir='\(sandbox.directory)'/><target dir='/host'/></filesystem>"), name: "held")
                let inner = "\(outer)/held/payload/cpuset.sched_load_balance"
                ContainerSandbox.waitUntil({ FileManager.default.fileExists(atPath: inner) }, while: { container.isRunning })
                for file in ["\(outer)/cpuset.sched_load_balance", "\(outer)/held/cpuset.sched_load_balance", inner] {
                    #expect((try? String(contentsOfFile: file, encoding: .utf8)) == "0\n", "\(file)")
                }
                try FileManager.default.removeItem(atPath: release)
                container.waitUntilExit()
                #expect(container.terminationStatus == 0)
            }
            Self.expectNoCgroup("pinned", in: sandbox)
            Self.expectNoCgroup("held", in: sandbox)
        }
    }

    @Test func aWeightIsHonouredWhereTheHostHasItOrRefusedNamingItsElement() throws {
        let v1 = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/blkio/cgroup.procs")
        let root = v1 ? "/sys/fs/cgroup/blkio" : "/sys/fs/cgroup"
        let file = v1 ? "blkio.weight" : "io.weight"
        try ContainerSandbox.with { sandbox in
            let definition = sandbox.domain("weight", script: "while [ -e /host/release ]; do sleep 0.05; done",
                devices: "<filesystem type='mount'><source dir='\(sandbox.directory)'/><target dir='/host'/></filesystem>",
                extra: "<blkiotune><weight>500</weight></blkiotune>")
            let weightFile = "\(root)/\(sandbox.cgroupParent)/weight/\(file)"
            let run = try sandbox.run(definition)
            if run.status == 0 {
                // Honoured: the value is in the container's cgroup while it runs.
                let release = "\(sandbox.directory)/release"
                try Data().write(to: URL(fileURLWithPath: release))
                let container = try sandbox.start(definition, name: "weight")
                ContainerSandbox.waitUntil({ FileManager.default.fileExists(atPath: weightFile) }, while: { container.isRunning })
                let written = (try? String(contentsOfFile: weightFile, encoding: .utf8)) ?? ""
                try FileManager.default.removeItem(atPath: release)
                container.waitUntilExit()
                #expect(written.split(separator: "\n").first.map { $0 == "500" || $0 == "default 500" } ?? false, "\(weightFile): \(written)")
            } else {
                #expect(run.status == 125)
                #expect(run.errors.contains("<blkiotune><weight>: this host's"), "\(run.errors)")
                #expect(run.errors.contains("Corral cannot honour it here"))
                // The file is indeed missing where it would be: in a cgroup beside the container's.
                let probe = "\(root)/\(sandbox.cgroupParent)/probe-weight"
                if mkdir(probe, 0o755) == 0 {
                    #expect(!FileManager.default.fileExists(atPath: "\(probe)/\(file)"), "the host has \(file), yet the start was refused")
                    rmdir(probe)
                }
            }
            Self.expectNoCgroup("weight", in: sandbox)
        }
    }
}
