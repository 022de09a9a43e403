import CorralTestSupport
import Foundation
import Testing

/// The escapes two red-team passes found, each tried again from inside real containers, as a
/// root that wants out would: host disks, lifted limits, the caller's groups, read-only mounts
/// made writable or unmasked. Each test also shows the route was really taken (a positive
/// control), so none can pass by doing nothing.
@Suite(.enabled(if: ContainerSandbox.canRunContainers, ContainerSandbox.skipReason))
struct EscapeTests {
    static let idmap = "<idmap><uid start='0' target='100000' count='65536'/><gid start='0' target='100000' count='65536'/></idmap>"
    static let noSeccomp = "<metadata><c:container xmlns:c='https://corral.dev/xmlns/container/1'><c:seccomp filter='off'/></c:container></metadata>"

    /// Every block device and partition of the host, by name.
    static var hostBlockDevices: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/block")) ?? []).sorted()
    }

    @Test(arguments: [false, true])
    func hostDisksAreOutOfReach(idmapped: Bool) throws {
        let devices = Self.hostBlockDevices
        try #require(!devices.isEmpty, "this host has no block device to try")
        try ContainerSandbox.with { sandbox in
            // The host's /dev bound in: every node exists, so only the device list can refuse.
            let run = try sandbox.run(sandbox.domain("disks", script: """
                mkdir -p /tmp/d /tmp/h
                mount -t devtmpfs none /tmp/d 2>/dev/null && echo devtmpfs-mounted
                for name in \(devices.joined(separator: " ")); do
                    for dir in /tmp/d /hostdev; do
                        [ -b $dir/$name ] || continue
                        echo "tried $name"
                        head -c 512 $dir/$name >/dev/null 2>&1 && echo "read $dir/$name"
                        mount -o ro $dir/$name /tmp/h 2>/dev/null && echo "mounted $dir/$name"
                        mknod /tmp/node-$name b $(cat /sys/class/block/$name/dev | tr ':' ' ') 2>/dev/null && echo "made a node of $name"
                    done
                done
                echo null > /dev/null && head -c 4 /dev/urandom | wc -c | sed 's/^/urandom-bytes=/'
                """, devices: """
                <filesystem type='ram'><source usage='1' units='MiB'/><target dir='/tmp'/></filesystem>
                <filesystem type='mount'><source dir='/dev'/><target dir='/hostdev'/></filesystem>
                """, extra: (idmapped ? Self.idmap : "") + Self.noSeccomp))
            #expect(run.status == 0, "\(run.errors)")
            let lines = run.output.split(separator: "\n").map(String.init)
            #expect(lines.filter { $0.hasPrefix("tried ") }.count >= devices.count, "every host disk was tried: \(run.output)")
            let escapes = lines.filter { !$0.hasPrefix("tried ") && $0 != "urandom-bytes=4" }
            #expect(escapes.isEmpty, "a host disk was reached: \(escapes)")
            #expect(lines.contains("urandom-bytes=4"), "the standard devices work: \(run.output)")
        }
    }

    @Test func limitsCannotBeLiftedFromInside() throws {
        try ContainerSandbox.with { sandbox in
            try sandbox.installSyscallProbe()
            let run = try sandbox.run(sandbox.domain("limits", script: """
                mkdir -p /tmp/memory /tmp/pids /tmp/cpu /tmp/v2
                mount -t cgroup -o memory none /tmp/memory 2>/dev/null && echo -1 > /tmp/memory/memory.limit_in_bytes && echo route: v1 memory
                mount -t cgroup -o pids none /tmp/pids 2>/dev/null && echo max > /tmp/pids/pids.max && echo route: v1 pids
                mount -t cgroup -o cpu none /tmp/cpu 2>/dev/null && echo -1 > /tmp/cpu/cpu.cfs_quota_us && echo route: v1 cpu
                mount -t cgroup2 none /tmp/v2 2>/dev/null && echo route: cgroup2
                for file in memory.max pids.max; do
                    for dir in /tmp/v2 /sys/fs/cgroup; do [ -e $dir/$file ] && echo max > $dir/$file 2>/dev/null && echo "route: $dir/$file"; done
                done
                mkdir /sys/fs/cgroup/escape && echo $$ > /sys/fs/cgroup/escape/cgroup.procs && echo route: own sub-cgroup
                /bin/probe alloc 100; echo "alloc-status=$?"
                /bin/probe forkbomb
                """, devices: "<filesystem type='ram'><source usage='1' units='MiB'/><target dir='/tmp'/></filesystem>",
                extra: "<memory unit='MiB'>32</memory>" + Self.noSeccomp.replacingOccurrences(of: "<c:seccomp filter='off'/>", with: "<c:seccomp filter='off'/><c:pids max='40'/>")))
            #expect(run.status == 0, "\(run.errors)")
            let routes = run.output.split(separator: "\n").filter { $0.hasPrefix("route: ") }
            #expect(!routes.isEmpty, "no route was even tried: \(run.output)")
            if FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/memory.limit_in_bytes") {
                #expect(routes.contains("route: v1 memory"), "on this v1 host the memory hierarchy is reachable: \(run.output)")
            }
            #expect(!run.output.contains("100 MiB allocated"), "\(run.output)")
            #expect(run.output.contains("alloc-status=137"), "the allocation is killed at the limit: \(run.output)")
            let forks = run.output.split(separator: "\n").first { $0.hasPrefix("forkbomb: ") }
                .flatMap { Int($0.split(separator: " ")[1]) } ?? -1
            #expect((0..<40).contains(forks), "the fork bomb stops at the pids limit: \(run.output)")
        }
    }

    @Test(arguments: [false, true])
    func theCallersGroupsStayOutside(idmapped: Bool) throws {
        try ContainerSandbox.with { sandbox in
            let shared = "\(sandbox.host)/shared"
            try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
            try "group secret\n".write(toFile: "\(shared)/group-only", atomically: true, encoding: .utf8)
            #expect(chown("\(shared)/group-only", 4242, 27) == 0 && chmod("\(shared)/group-only", 0o060) == 0)
            let file = "\(sandbox.directory)/groups.xml"
            try sandbox.domain("groups", script: "grep '^Groups:' /proc/self/status; cat /shared/group-only 2>/dev/null || echo refused",
                               devices: "<filesystem type='mount'><source dir='\(shared)'/><target dir='/shared'/></filesystem>",
                               extra: idmapped ? Self.idmap : "").write(toFile: file, atomically: true, encoding: .utf8)
            // corralctl run started by a process holding groups 27 (the file's) and 0.
            let run = try ContainerSandbox.run("/usr/bin/setpriv", ["--groups", "0,27,4242", "--", ContainerSandbox.corralctl, "run", file,
                                                                    "--state-dir", sandbox.state, "--cgroup-parent", sandbox.cgroupParent],
                                               in: sandbox.directory)
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output.split(separator: "\n").first?.trimmingCharacters(in: .whitespaces) == "Groups:", "\(run.output)")
            if idmapped {
                // Without <idmap>, root inside is the host's root for the files it sees (it may
                // read this one anyway); mapped, it is no one on the host, whatever the caller held.
                #expect(run.output.hasSuffix("refused\n"), "a file only group 27 may read: \(run.output)")
            }
        }
    }

    /// The caller's session keyring stays outside, even where keyctl is allowed.
    @Test(arguments: [false, true])
    func theCallersKeyringStaysOutside(idmapped: Bool) throws {
        try ContainerSandbox.with { sandbox in
            try sandbox.installSyscallProbe()
            let probe = "\(sandbox.rootfs)/bin/probe"
            let control = try ContainerSandbox.run(probe, ["join-keyring-and-exec", probe, "find-secret"], in: sandbox.directory)
            try #require(control.output == "find-secret: ok\n", "the host side holds the secret: \(control.output)\(control.errors)")
            let file = "\(sandbox.directory)/keys.xml"
            let allowKeys = "<metadata><c:container xmlns:c='https://corral.dev/xmlns/container/1'><c:seccomp>"
                + "<c:allow syscall='keyctl'/><c:allow syscall='add_key'/></c:seccomp></c:container></metadata>"
            try sandbox.domain("keys", script: "/bin/probe find-secret", extra: (idmapped ? Self.idmap : "") + allowKeys)
                .write(toFile: file, atomically: true, encoding: .utf8)
            let run = try ContainerSandbox.run(probe, ["join-keyring-and-exec", ContainerSandbox.corralctl, "run", file,
                                                       "--state-dir", sandbox.state, "--cgroup-parent", sandbox.cgroupParent],
                                               in: sandbox.directory)
            #expect(run.output == "find-secret: Required key not available\n", "\(run.output)\(run.errors)")
        }
    }

    /// A read-only mount the host has below a bound directory stays read-only and in place,
    /// though the bound directory itself is writable.
    @Test func theHostsReadOnlySubmountsStayReadOnly() throws {
        try ContainerSandbox.with { sandbox in
            let shared = "\(sandbox.host)/shared", sub = "\(sandbox.host)/shared/sub"
            try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
            try "kept\n".write(toFile: "\(sub)/file", atomically: true, encoding: .utf8)
            try FileManager.default.createDirectory(atPath: "\(sandbox.rootfs)/h", withIntermediateDirectories: true)
            try #require(mount(sub, sub, nil, UInt(MS_BIND), nil) == 0)
            defer { umount2(sub, Int32(MNT_DETACH)) }
            try #require(mount(nil, sub, nil, UInt(MS_REMOUNT | MS_BIND | MS_RDONLY), nil) == 0)
            let run = try sandbox.run(sandbox.domain("submount", script: """
                try() { "$@" 2>/dev/null && echo "ESCAPE: $*"; }
                try mount -o remount,bind,rw /h/sub
                try umount /h/sub
                try umount -l /h/sub
                echo changed > /h/sub/file 2>/dev/null && echo "ESCAPE: wrote"
                echo ok > /h/new && echo parent-writable
                """, devices: "<filesystem type='mount'><source dir='\(shared)'/><target dir='/h'/></filesystem>", extra: Self.noSeccomp))
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output == "parent-writable\n", "\(run.output)")
            #expect(try String(contentsOfFile: "\(sub)/file", encoding: .utf8) == "kept\n")
        }
    }

    /// The tree is built by the host's root, so a mapped root needs no way through the
    /// directories above its rootfs (a 0700 parent, as under a user's home).
    @Test func anIdmappedRootfsUnderAPrivateDirectoryStarts() throws {
        try ContainerSandbox.with { sandbox in
            let privateParent = "\(sandbox.directory)/private"
            try FileManager.default.createDirectory(atPath: privateParent, withIntermediateDirectories: true)
            try ContainerSandbox.buildBusyboxRootfs(at: "\(privateParent)/rootfs")
            #expect(chmod(privateParent, 0o700) == 0)
            let run = try sandbox.run(sandbox.domain("private", script: "id -u", root: """
                <filesystem type='mount'><source dir='\(privateParent)/rootfs'/><target dir='/'/></filesystem>
                """, extra: Self.idmap))
            #expect(run.status == 0 && run.output == "0\n", "\(run.output)\(run.errors)")
        }
    }

    @Test(arguments: [false, true])
    func lockedMountsHoldAgainstRootInside(idmapped: Bool) throws {
        try ContainerSandbox.with { sandbox in
            let readOnly = "\(sandbox.host)/ro", writable = "\(sandbox.host)/rw"
            for directory in [readOnly, writable, "\(sandbox.rootfs)/ro", "\(sandbox.rootfs)/rw"] {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            let root = "<filesystem type='mount'><source dir='\(sandbox.rootfs)'/><target dir='/'/><readonly/></filesystem>"
            // With no seccomp filter: the kernel's locks alone must hold.
            let run = try sandbox.run(sandbox.domain("locks", script: """
                try() { "$@" 2>/dev/null && echo "ESCAPE: $*"; }
                try mount -o remount,bind,rw /
                try touch /rootfile
                try mount -o remount,rw /
                try umount /proc/kcore
                try umount -l /proc/kcore
                try umount /proc/sys
                try mount -o remount,bind,rw /proc/sys
                try mount -o remount,bind,rw /sys
                try umount /sys/firmware
                try mount -t proc proc /tmp/p
                try mount -t sysfs sysfs /tmp/s
                try mount --move /proc/kcore /tmp/k
                try mount -o remount,bind,rw /ro
                try touch /ro/file
                try umount /ro
                echo "kcore-bytes=$(head -c 64 /proc/kcore | wc -c)"
                mkdir -p /tmp/p && mount --bind /proc /tmp/p 2>/dev/null && echo "ESCAPE: non-recursive bind of /proc"
                umount /rw && echo writable-unmounted
                """, root: root, devices: """
                <filesystem type='ram'><source usage='1' units='MiB'/><target dir='/tmp'/></filesystem>
                <filesystem type='mount'><source dir='\(readOnly)'/><target dir='/ro'/><readonly/></filesystem>
                <filesystem type='mount'><source dir='\(writable)'/><target dir='/rw'/></filesystem>
                """, extra: (idmapped ? Self.idmap : "") + Self.noSeccomp))
            #expect(run.status == 0, "\(run.errors)")
            #expect(!run.output.contains("ESCAPE"), "\(run.output)")
            #expect(run.output.contains("kcore-bytes=0"), "\(run.output)")
            #expect(run.output.hasSuffix("writable-unmounted\n"), "a writable filesystem stays the container's to unmount: \(run.output)")
            #expect(!FileManager.default.fileExists(atPath: "\(sandbox.rootfs)/rootfile") && !FileManager.default.fileExists(atPath: "\(readOnly)/file"))
        }
    }
}
