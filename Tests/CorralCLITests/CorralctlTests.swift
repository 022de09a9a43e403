import Foundation
import Testing

/// `corralctl validate|format` as a user runs them: real process, exit status, stdout, stderr.
@Suite struct CorralctlTests {
    /// The test runner sits beside the built executables in .build/<configuration>/.
    static let corralctl = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("corralctl")
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../CorralDomainTests/Fixtures").standardizedFileURL

    struct Run {
        let status: Int32
        let output: String
        let errors: String
    }

    static func corralctl(_ arguments: [String]) throws -> Run {
        try withTemporaryDirectory { directory in
            // Files, not pipes: nothing can block however much the command prints.
            let outputFile = directory.appendingPathComponent("stdout")
            let errorFile = directory.appendingPathComponent("stderr")
            for file in [outputFile, errorFile] {
                try #require(FileManager.default.createFile(atPath: file.path, contents: nil), "cannot create \(file.path)")
            }
            let process = Process()
            process.executableURL = corralctl
            process.arguments = arguments
            process.standardOutput = try FileHandle(forWritingTo: outputFile)
            process.standardError = try FileHandle(forWritingTo: errorFile)
            try process.run()
            process.waitUntilExit()
            return Run(status: process.terminationStatus,
                       output: try String(contentsOf: outputFile, encoding: .utf8),
                       errors: try String(contentsOf: errorFile, encoding: .utf8))
        }
    }

    /// A temporary directory removed when the test ends.
    static func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("corralctl-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try body(directory)
    }

    @Test func validateAcceptsValidFiles() throws {
        let files = ["every-type.xml", "systemd.xml"].map { Self.fixtures.appendingPathComponent("valid/\($0)").path }
        let run = try Self.corralctl(["validate"] + files)
        #expect(run.status == 0)
        #expect(run.errors.isEmpty)
        #expect(run.output.isEmpty)
    }

    @Test func validateWarnsOfAnIdmapOntoTheHostsRoot() throws {
        try Self.withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("root.xml")
            try """
                <domain type='lxc'>
                  <name>root</name>
                  <os><type>exe</type><init>/sbin/init</init></os>
                  <idmap>
                    <uid start='0' target='0' count='1000'/>
                    <gid start='0' target='100000' count='65536'/>
                  </idmap>
                </domain>
                """.write(to: file, atomically: true, encoding: .utf8)
            let run = try Self.corralctl(["validate", file.path])
            #expect(run.status == 0, "a warning, not an error")
            #expect(run.errors == "\(file.path):4: warning: <idmap><uid start='0' target='0' count='1000'>: maps the container's uid 0 "
                + "onto the host's uid 0 (root): what it owns there, the container owns; map onto an unused range such as 100000\n")
        }
    }

    @Test func validateReportsEveryErrorOfEveryFileAndExitsOne() throws {
        try Self.withTemporaryDirectory { directory in
            let bad = directory.appendingPathComponent("web.xml")
            try """
                <domain type='lxc'>
                  <name>web</name>
                  <os><type>exe</type><init>/sbin/init</init></os>
                  <devices>
                    <filesystem type='block'>
                      <target dir='/srv'/>
                    </filesystem>
                    <filesystem type='tmpfs'/>
                  </devices>
                </domain>
                """.write(to: bad, atomically: true, encoding: .utf8)
            let empty = directory.appendingPathComponent("empty.xml")
            try "".write(to: empty, atomically: true, encoding: .utf8)
            let good = Self.fixtures.appendingPathComponent("valid/ram.xml").path
            let run = try Self.corralctl(["validate", bad.path, good, empty.path])
            #expect(run.status == 1)
            #expect(run.errors == """
                \(bad.path):5: error: <filesystem type='block'>: missing <source dev='…'/>
                \(bad.path):8: error: <filesystem type='tmpfs'>: type 'tmpfs' is not one of 'mount', 'block', 'file', 'template', 'ram', 'bind'
                \(bad.path):8: error: <filesystem type='tmpfs'>: missing <target dir='…'/>
                \(empty.path): error: empty file: expected a <domain> definition

                """)
        }
    }

    @Test func formatPrintsTheCanonicalText() throws {
        let run = try Self.corralctl(["format", Self.fixtures.appendingPathComponent("valid/init-options.xml").path])
        #expect(run.status == 0)
        #expect(run.errors.isEmpty)
        let golden = try String(contentsOf: Self.fixtures.appendingPathComponent("golden/init-options.xml"), encoding: .utf8)
        #expect(run.output == golden)
    }

    @Test func formatOfAnInvalidFileExitsOneWithTheErrors() throws {
        let run = try Self.corralctl(["format", "/nonexistent/web.xml"])
        #expect(run.status == 1)
        #expect(run.output.isEmpty)
        #expect(run.errors == "/nonexistent/web.xml: error: cannot open: No such file or directory\n")
    }

    @Test func helpDescribesTheCommands() throws {
        let run = try Self.corralctl(["--help"])
        #expect(run.status == 0)
        #expect(run.output.contains("validate"))
        #expect(run.output.contains("format"))
        let validate = try Self.corralctl(["validate", "--help"])
        #expect(validate.output.contains("FILE:LINE: error: MESSAGE"))
    }
}


/// The README's map of the code names every folder under Sources/, so it stays true.
@Suite struct ArchitectureMapTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL

    @Test func theReadmeNamesEveryFolderUnderSources() throws {
        let readme = try String(contentsOf: Self.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "## Architecture"))
        let map = String(readme[start.upperBound...].prefix { _ in true }.split(separator: "```", maxSplits: 2).dropFirst().first ?? "")
        let architecture = try String(contentsOf: Self.repository.appendingPathComponent("docs/ARCHITECTURE.md"), encoding: .utf8)
        for (module, folders) in try Self.sourceFolders() {
            #expect(map.contains(module), "the README's map does not name Sources/\(module)")
            for folder in folders { #expect(map.contains("\(folder)/"), "the README's map does not name Sources/\(module)/\(folder)") }
            #expect(architecture.contains(module), "docs/ARCHITECTURE.md does not name Sources/\(module)")
            for folder in folders { #expect(architecture.contains("`\(folder)/`"), "docs/ARCHITECTURE.md does not name \(module)/\(folder)") }
        }
    }

    /// Every module under Sources/ with its folders (headers' `include` aside).
    static func sourceFolders() throws -> [(module: String, folders: [String])] {
        let sources = repository.appendingPathComponent("Sources")
        let manager = FileManager.default
        return try manager.contentsOfDirectory(atPath: sources.path).map { module in
            let folders = try manager.contentsOfDirectory(atPath: sources.appendingPathComponent(module).path).filter { name in
                var isDirectory: ObjCBool = false
                return manager.fileExists(atPath: sources.appendingPathComponent("\(module)/\(name)").path, isDirectory: &isDirectory)
                    && isDirectory.boolValue && name != "include"
            }
            return (module, folders)
        }
    }
}
