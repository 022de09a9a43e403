import CorralTestSupport
import Foundation
import Testing

/// A container that cannot start says which step failed — the call, the path, errno's text —
/// exits 125, and leaves nothing behind even when setup failed half way.
@Suite(.enabled(if: ContainerSandbox.canRunContainers, ContainerSandbox.skipReason))
struct LaunchFailureTests {
    func expectFailure(_ devices: String, root: String? = "mount", os: String = "", initPath: String? = nil,
                       message: (ContainerSandbox) -> String) throws {
        let sandbox = try ContainerSandbox()
        defer { sandbox.remove() }
        var definition = sandbox.domain("broken", script: "echo must-not-run", root: root, devices: devices, os: os)
        if let initPath { definition = definition.replacingOccurrences(of: "<init>/bin/sh</init>", with: "<init>\(initPath)</init>") }
        let run = try sandbox.run(definition)
        #expect(run.status == 125)
        #expect(run.output.isEmpty)
        #expect(run.errors == "broken: cannot start: \(message(sandbox))\n")
        try sandbox.checkNothingLeaked()
    }

    @Test func missingSourceDirectory() throws {
        try expectFailure("<filesystem type='mount'><source dir='/nonexistent/corral/a'/><target dir='/mnt/a'/></filesystem>") { _ in
            "stat '/nonexistent/corral/a' (bind source of '/mnt/a'): No such file or directory"
        }
    }

    @Test func missingImage() throws {
        try expectFailure("<filesystem type='file'><source file='/nonexistent/corral.img'/><target dir='/data'/></filesystem>") { _ in
            "open '/nonexistent/corral.img': No such file or directory"
        }
    }

    @Test func imageWithoutAFilesystem() throws {
        let sandbox = try ContainerSandbox()
        defer { sandbox.remove() }
        let image = "\(sandbox.directory)/blank.img"
        #expect(FileManager.default.createFile(atPath: image, contents: Data(count: 1 << 20)))
        let run = try sandbox.run(sandbox.domain("blank", script: "true", devices: """
            <filesystem type='file'><source file='\(image)'/><target dir='/data'/></filesystem>
            """))
        #expect(run.status == 125)
        #expect(run.errors == "blank: cannot start: probe '\(image)': no known filesystem signature; name its type with <driver format='ext4'/> (or xfs, btrfs, …)\n")
        try sandbox.checkNothingLeaked()
    }

    @Test func missingTemplate() throws {
        try expectFailure("", root: "<filesystem type='template'><source name='absent'/><target dir='/'/></filesystem>") { sandbox in
            "stat '\(sandbox.templates)/absent' (template): No such file or directory"
        }
    }

    @Test func badInitPath() throws {
        try expectFailure("", initPath: "/bin/nonexistent") { _ in "execve '/bin/nonexistent' (<init>): No such file or directory" }
    }

    @Test func initThatIsNotExecutable() throws {
        try expectFailure("", initPath: "/etc/passwd") { _ in "execve '/etc/passwd' (<init>): Permission denied" }
    }

    @Test func badInitDirectory() throws {
        try expectFailure("", os: "<initdir>/nonexistent</initdir>") { _ in "chdir '/nonexistent' (<initdir>): No such file or directory" }
    }

    /// The image is attached and mounted before exec fails: the loop device must still go.
    @Test func failureAfterAttachingAnImageReleasesIt() throws {
        let sandbox = try ContainerSandbox()
        defer { sandbox.remove() }
        let image = try FilesystemTypeTests.ext4Image(sandbox, named: "late", containing: "x\n")
        var definition = sandbox.domain("late", script: "true", devices: """
            <filesystem type='file'><source file='\(image)'/><target dir='/data'/></filesystem>
            """)
        definition = definition.replacingOccurrences(of: "<init>/bin/sh</init>", with: "<init>/bin/nonexistent</init>")
        let run = try sandbox.run(definition)
        #expect(run.status == 125)
        #expect(run.errors == "late: cannot start: execve '/bin/nonexistent' (<init>): No such file or directory\n")
        try sandbox.checkNothingLeaked()
    }

    @Test func unsupportedElementsAreRefusedByLine() throws {
        let sandbox = try ContainerSandbox()
        defer { sandbox.remove() }
        // A type Corral does not realise yet (and never the machine's own network: no bridge here).
        let definition = sandbox.domain("nic", script: "true", devices: "<interface type='user'/>")
        let run = try sandbox.run(definition, name: "nic")
        let line = (definition.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("<interface") } ?? 0) + 1
        #expect(run.status == 125)
        #expect(run.errors == "nic: cannot start: \(sandbox.directory)/nic.xml:\(line): error: <interface>: not supported by Corral; remove it to start this container\n")
        try sandbox.checkNothingLeaked()
    }

    @Test func invalidDefinitionPrintsItsErrors() throws {
        let sandbox = try ContainerSandbox()
        defer { sandbox.remove() }
        let run = try sandbox.run("<domain type='lxc'><name>x</name></domain>", name: "invalid")
        #expect(run.status == 125)
        #expect(run.errors == "\(sandbox.directory)/invalid.xml:1: error: <domain type='lxc'>: missing <os> with <type>exe</type> and <init>\n")
    }
}
