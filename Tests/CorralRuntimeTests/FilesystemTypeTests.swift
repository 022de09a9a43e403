import CorralTestSupport
import Foundation
import Testing

/// Every filesystem type of the README in a real container, each proven from inside, with
/// `<readonly/>` enforced for every type.
@Suite(.enabled(if: ContainerSandbox.canRunContainers, ContainerSandbox.skipReason))
struct FilesystemTypeTests {
    /// Reads `file`, tries to write beside it, and reports both.
    static func probe(_ directory: String, _ file: String = "file") -> String {
        "cat \(directory)/\(file); if echo w > \(directory)/written 2>/dev/null; then echo writable; else echo read-only; fi"
    }

    static func ext4Image(_ sandbox: ContainerSandbox, named name: String, containing text: String) throws -> String {
        let content = "\(sandbox.directory)/\(name)-content"
        try FileManager.default.createDirectory(atPath: content, withIntermediateDirectories: true)
        try text.write(toFile: "\(content)/file", atomically: true, encoding: .utf8)
        let image = "\(sandbox.directory)/\(name).img"
        let run = try ContainerSandbox.run("/sbin/mkfs.ext4", ["-q", "-d", content, image, "4M"], in: sandbox.directory)
        try #require(run.status == 0, "mkfs.ext4: \(run.errors)")
        return image
    }

    @Test(arguments: [false, true])
    func mountBindsAHostDirectory(readOnly: Bool) throws {
        try ContainerSandbox.with { sandbox in
            try "from-host\n".write(toFile: "\(sandbox.host)/file", atomically: true, encoding: .utf8)
            let run = try sandbox.run(sandbox.domain("mnt", script: Self.probe("/srv/host"), devices: """
                <filesystem type='mount'><source dir='\(sandbox.host)'/><target dir='/srv/host'/>\(readOnly ? "<readonly/>" : "")</filesystem>
                """))
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output == "from-host\n\(readOnly ? "read-only" : "writable")\n")
            #expect(FileManager.default.fileExists(atPath: "\(sandbox.host)/written") == !readOnly)
        }
    }

    @Test func mountIsRecursive() throws {
        try ContainerSandbox.with { sandbox in
            try FileManager.default.createDirectory(atPath: "\(sandbox.host)/sub", withIntermediateDirectories: true)
            let mounted = try ContainerSandbox.run("/bin/mount", ["-t", "tmpfs", "corral-test", "\(sandbox.host)/sub"], in: sandbox.directory)
            try #require(mounted.status == 0, "\(mounted.errors)")
            defer { _ = try? ContainerSandbox.run("/bin/umount", ["\(sandbox.host)/sub"], in: sandbox.directory) }
            try "below\n".write(toFile: "\(sandbox.host)/sub/file", atomically: true, encoding: .utf8)
            let run = try sandbox.run(sandbox.domain("rec", script: "cat /srv/host/sub/file", devices: """
                <filesystem type='mount'><source dir='\(sandbox.host)'/><target dir='/srv/host'/><readonly/></filesystem>
                """))
            #expect(run.output == "below\n", "\(run.errors)")
        }
    }

    @Test(arguments: [false, true])
    func bindBindsAContainerPathOntoAnother(readOnly: Bool) throws {
        try ContainerSandbox.with { sandbox in
            try "in-rootfs\n".write(toFile: "\(sandbox.rootfs)/srv/file", atomically: true, encoding: .utf8)
            let run = try sandbox.run(sandbox.domain("bind", script: Self.probe("/mnt/bound"), devices: """
                <filesystem type='bind'><source dir='/srv'/><target dir='/mnt/bound'/>\(readOnly ? "<readonly/>" : "")</filesystem>
                """))
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output == "in-rootfs\n\(readOnly ? "read-only" : "writable")\n")
        }
    }

    @Test(arguments: [false, true])
    func ramIsATmpfsOfTheGivenSize(readOnly: Bool) throws {
        try ContainerSandbox.with { sandbox in
            let run = try sandbox.run(sandbox.domain("ram", script: """
                grep ' /scratch ' /proc/mounts | cut -d' ' -f3,4 | cut -d, -f1,5; touch /scratch/x 2>/dev/null && echo writable || echo read-only
                """, devices: "<filesystem type='ram'><source usage='3' units='MiB'/><target dir='/scratch'/>\(readOnly ? "<readonly/>" : "")</filesystem>"))
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output == "tmpfs \(readOnly ? "ro" : "rw"),size=3072k\n\(readOnly ? "read-only" : "writable")\n")
        }
    }

    @Test func templateIsAnOverlayWithAPerContainerUpperLayer() throws {
        try ContainerSandbox.with { sandbox in
            let template = "\(sandbox.templates)/base"
            try ContainerSandbox.buildBusyboxRootfs(at: template)
            try "from-template\n".write(toFile: "\(template)/file", atomically: true, encoding: .utf8)
            let root = "<filesystem type='template'><source name='base'/><target dir='/'/></filesystem>"
            let run = try sandbox.run(sandbox.domain("tpl", script: Self.probe(""), root: root))
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output == "from-template\nwritable\n")
            // The write went to this container's upper layer; the template is untouched.
            #expect(FileManager.default.fileExists(atPath: "\(sandbox.overlays)/tpl/root/upper/written"))
            #expect(!FileManager.default.fileExists(atPath: "\(template)/written"))
            // And the next start of the same container sees its own earlier writes.
            let again = try sandbox.run(sandbox.domain("tpl", script: "cat /written", root: root))
            #expect(again.output == "w\n")
        }
    }

    @Test func anIdmappedContainerWritesItsTemplateRootAndEachTemplateHasItsOwnLayer() throws {
        try ContainerSandbox.with { sandbox in
            let template = "\(sandbox.templates)/base"
            try ContainerSandbox.buildBusyboxRootfs(at: template)
            let home = "\(sandbox.templates)/home"
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            let run = try sandbox.run(sandbox.domain("tplmap", script: "echo a > /at-root && echo b > /root/at-home && echo written", root: """
                <filesystem type='template'><source name='base'/><target dir='/'/></filesystem>
                <filesystem type='template'><source name='home'/><target dir='/root'/></filesystem>
                """, extra: "<idmap><uid start='0' target='100000' count='65536'/><gid start='0' target='100000' count='65536'/></idmap>"))
            #expect(run.output == "written\n", "\(run.output)\(run.errors)")
            var status = stat()
            #expect(stat("\(sandbox.overlays)/tplmap/root/upper", &status) == 0 && status.st_uid == 100000 && status.st_gid == 100000,
                    "the upper layer belongs to the mapped root")
            #expect(FileManager.default.fileExists(atPath: "\(sandbox.overlays)/tplmap/root/upper/at-root"))
            #expect(FileManager.default.fileExists(atPath: "\(sandbox.overlays)/tplmap/%72oot/upper/at-home"), "/root has a layer of its own")
        }
    }

    @Test func readOnlyTemplateHasNoUpperLayer() throws {
        try ContainerSandbox.with { sandbox in
            let template = "\(sandbox.templates)/base"
            try ContainerSandbox.buildBusyboxRootfs(at: template)
            try "from-template\n".write(toFile: "\(template)/file", atomically: true, encoding: .utf8)
            let run = try sandbox.run(sandbox.domain("tplro", script: Self.probe(""),
                                                     root: "<filesystem type='template'><source name='base'/><target dir='/'/><readonly/></filesystem>"))
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output == "from-template\nread-only\n")
            #expect(!FileManager.default.fileExists(atPath: "\(sandbox.overlays)/tplro"))
        }
    }

    @Test(arguments: [false, true])
    func fileIsAnImageOnAnAutoclearingLoopDevice(readOnly: Bool) throws {
        try ContainerSandbox.with { sandbox in
            let image = try Self.ext4Image(sandbox, named: "data", containing: "in-image\n")
            let run = try sandbox.run(sandbox.domain("img", script: Self.probe("/data") + "; grep ' /data ' /proc/mounts | cut -d' ' -f1,3", devices: """
                <filesystem type='file'><driver type='loop' format='raw'/><source file='\(image)'/><target dir='/data'/>\(readOnly ? "<readonly/>" : "")</filesystem>
                """))
            #expect(run.status == 0, "\(run.errors)")
            let lines = run.output.split(separator: "\n")
            #expect(lines.prefix(2) == ["in-image", readOnly ? "read-only" : "writable"])
            #expect(lines.last?.hasPrefix("/dev/loop") == true && lines.last?.hasSuffix(" ext4") == true, "\(run.output)")
        }
    }

    @Test(arguments: [nil, "ext4"] as [String?])
    func blockMountsADeviceWithProbedOrGivenType(format: String?) throws {
        try ContainerSandbox.with { sandbox in
            let image = try Self.ext4Image(sandbox, named: "disk", containing: "on-device\n")
            let attach = try ContainerSandbox.run("/sbin/losetup", ["--find", "--show", image], in: sandbox.directory)
            try #require(attach.status == 0, "losetup: \(attach.errors)")
            let device = attach.output.trimmingCharacters(in: .whitespacesAndNewlines)
            defer { _ = try? ContainerSandbox.run("/sbin/losetup", ["-d", device], in: sandbox.directory) }
            let driver = format.map { "<driver format='\($0)'/>" } ?? ""
            for readOnly in [false, true] {
                let run = try sandbox.run(sandbox.domain("blk", script: Self.probe("/disk"), devices: """
                    <filesystem type='block'>\(driver)<source dev='\(device)'/><target dir='/disk'/>\(readOnly ? "<readonly/>" : "")</filesystem>
                    """))
                #expect(run.status == 0, "\(run.errors)")
                #expect(run.output == "on-device\n\(readOnly ? "read-only" : "writable")\n")
            }
        }
    }

    @Test func targetsResolveInsideTheRootEvenThroughAbsoluteSymlinks() throws {
        try ContainerSandbox.with { sandbox in
            // /escape in the rootfs points at /etc: inside the container that is the rootfs' /etc,
            // never the host's.
            try FileManager.default.createSymbolicLink(atPath: "\(sandbox.rootfs)/escape", withDestinationPath: "/etc")
            try FileManager.default.createSymbolicLink(atPath: "\(sandbox.rootfs)/up", withDestinationPath: "../../../../etc")
            let marker = "corral-escape-\(UUID().uuidString.prefix(8))"
            let run = try sandbox.run(sandbox.domain("esc", script: "ls -d /etc/\(marker)-a /etc/\(marker)-b", devices: """
                <filesystem type='ram'><source usage='64'/><target dir='/escape/\(marker)-a'/></filesystem>
                <filesystem type='ram'><source usage='64'/><target dir='/up/\(marker)-b'/></filesystem>
                """))
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output == "/etc/\(marker)-a\n/etc/\(marker)-b\n")
            #expect(!FileManager.default.fileExists(atPath: "/etc/\(marker)-a"))
            #expect(!FileManager.default.fileExists(atPath: "/etc/\(marker)-b"))
            #expect(FileManager.default.fileExists(atPath: "\(sandbox.rootfs)/etc/\(marker)-a"))
        }
    }

    /// A `bind` source that is an absolute symlink is the container's path, not the host's.
    @Test func aSymlinkedBindSourceStaysInsideTheRoot() throws {
        try ContainerSandbox.with { sandbox in
            let marker = "corral-link-\(UUID().uuidString.prefix(8))"
            try "rootfs-etc\n".write(toFile: "\(sandbox.rootfs)/etc/\(marker)", atomically: true, encoding: .utf8)
            try FileManager.default.createSymbolicLink(atPath: "\(sandbox.rootfs)/source-link", withDestinationPath: "/etc")
            try FileManager.default.createDirectory(atPath: "\(sandbox.rootfs)/b", withIntermediateDirectories: true)
            let hostOnly = try #require(["debian_version", "hostname", "machine-id", "os-release"].first {
                FileManager.default.fileExists(atPath: "/etc/\($0)") && !FileManager.default.fileExists(atPath: "\(sandbox.rootfs)/etc/\($0)")
            }, "no file of the host's /etc that the busybox rootfs lacks")
            let run = try sandbox.run(sandbox.domain("links", script: "cat /b/\(marker); ls /b/\(hostOnly) 2>/dev/null || echo no-host-file",
                devices: "<filesystem type='bind'><source dir='/source-link'/><target dir='/b'/></filesystem>"))
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output == "rootfs-etc\nno-host-file\n", "\(run.output)\(run.errors)")
        }
    }

    /// A mount target behind a dangling absolute symlink is refused, naming the target: Corral
    /// makes missing directories, not what a symlink points at, and never on the host.
    @Test func aDanglingSymlinkAsATargetIsRefusedAndNothingIsMadeOnTheHost() throws {
        try ContainerSandbox.with { sandbox in
            let marker = "corral-dangling-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createSymbolicLink(atPath: "\(sandbox.rootfs)/dangling", withDestinationPath: "/\(marker)/deeper")
            defer { rmdir("/\(marker)/deeper"); rmdir("/\(marker)") }
            let run = try sandbox.run(sandbox.domain("links", script: "true",
                devices: "<filesystem type='ram'><source usage='64'/><target dir='/dangling'/></filesystem>"))
            #expect(run.status == 125)
            #expect(run.errors == "links: cannot start: mount 'tmpfs' on '/dangling' (tmpfs): cannot open the target in the container: No such file or directory\n",
                    "\(run.errors)")
            #expect(!FileManager.default.fileExists(atPath: "/\(marker)"), "nothing made on the host")
            #expect(!FileManager.default.fileExists(atPath: "\(sandbox.rootfs)/\(marker)"), "nor in the rootfs")
        }
    }

    @Test func withoutARootFilesystemTheHostRootGetsOnlyAdditiveMounts() throws {
        try ContainerSandbox.with { sandbox in
            let target = "\(sandbox.host)/scratch"
            try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
            let run = try sandbox.run(sandbox.domain("hostroot", script: """
                echo pid=$$; grep -c ' \(target) tmpfs ' /proc/mounts; ls /proc | grep -c '^[0-9]'; test -e \(sandbox.rootfs)/bin/busybox && echo host-root
                """, root: nil, devices: "<filesystem type='ram'><source usage='64'/><target dir='\(target)'/></filesystem>"))
            #expect(run.status == 0, "\(run.errors)")
            let lines = run.output.split(separator: "\n")
            #expect(lines.first == "pid=1")
            #expect(lines.dropFirst().first == "1")
            #expect((Int(lines.dropFirst(2).first ?? "") ?? 99) <= 4, "a fresh /proc shows only the container: \(run.output)")
            #expect(lines.last == "host-root")
        }
    }

    @Test func idmapRunsInAUserNamespace() throws {
        try ContainerSandbox.with { sandbox in
            let shared = "\(sandbox.host)/shared"
            try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
            #expect(chown(shared, 100_000, 100_000) == 0)
            // The rootfs belongs to the host's root, which the mapped root is not: the mount
            // point must exist already (as with libvirt, whose idmap rootfs is chowned).
            try FileManager.default.createDirectory(atPath: "\(sandbox.rootfs)/shared", withIntermediateDirectories: true)
            let run = try sandbox.run(sandbox.domain("userns", script: "cat /proc/self/uid_map /proc/self/gid_map; id -u; touch /shared/made-inside", devices: """
                <filesystem type='mount'><source dir='\(shared)'/><target dir='/shared'/></filesystem>
                """, extra: "<idmap><uid start='0' target='100000' count='65536'/><gid start='0' target='200000' count='65536'/></idmap>"))
            #expect(run.status == 0, "\(run.errors)")
            let fields = run.output.split(whereSeparator: \.isWhitespace)
            #expect(fields == ["0", "100000", "65536", "0", "200000", "65536", "0"])
            let attributes = try FileManager.default.attributesOfItem(atPath: "\(shared)/made-inside")
            #expect(attributes[.ownerAccountID] as? Int == 100_000)
            #expect(attributes[.groupOwnerAccountID] as? Int == 200_000)
        }
    }
}
