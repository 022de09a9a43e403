@testable import CorralRuntime
import Foundation
import Glibc
import Testing

/// corrald reads corral-monitor's code into the page cache before its first spawn when a boot
/// left it uncached (ExecutableWarmup).
@Suite(.serialized) struct ExecutableWarmupTests {
    private let name = "corral-warmup-\(UUID().uuidString)"
    private var directory: String { FileManager.default.temporaryDirectory.appendingPathComponent(name).path }
    /// Beside this test's own executable, on the disk the build is on: where TMPDIR is a tmpfs,
    /// whose page cache cannot be dropped.
    private var directoryOnDisk: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path
    }

    init() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    private func removeDirectories() {
        for path in [directory, directoryOnDisk] { try? FileManager.default.removeItem(atPath: path) }
    }

    /// A copy of `source` whose page cache is then dropped: written, flushed, and advised away.
    private func uncachedCopy(of source: String, named name: String, in directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = "\(directory)/\(name)"
        try FileManager.default.copyItem(atPath: source, toPath: path)
        let descriptor = open(path, O_RDONLY)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        try #require(fsync(descriptor) == 0)
        try #require(posix_fadvise(descriptor, 0, 0, POSIX_FADV_DONTNEED) == 0)
        return path
    }

    private func cachedShare(_ path: String) throws -> Double {
        let descriptor = open(path, O_RDONLY)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        let size = Int(try #require(try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int))
        let segments = try #require(try ExecutableWarmup.readOnlySegments(descriptor, size: size, path: path))
        let (cached, total) = try ExecutableWarmup.residentPages(descriptor, segments: segments, path: path)
        return Double(cached) / Double(total)
    }

    @Test func readsTheCodeOfAnUncachedExecutableOnce() throws {
        defer { removeDirectories() }
        // This test's own executable (a copy of the file, not of the /proc link): a large ELF
        // with code, metadata and data segments.
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var path = try uncachedCopy(of: executable, named: "program", in: directory)
        if try cachedShare(path) >= 0.25 {
            path = try uncachedCopy(of: executable, named: "program", in: directoryOnDisk)
        }
        #expect(try cachedShare(path) < 0.25, "the page cache of \(path) could not be dropped")
        guard case .read(let bytes) = try ExecutableWarmup.warm(path) else {
            Issue.record("an uncached executable was not read")
            return
        }
        #expect(bytes > 0)
        #expect(try cachedShare(path) == 1.0)
        #expect(try ExecutableWarmup.warm(path) == .cached)
    }

    /// Whatever sits at the monitor's path, corrald goes on: nothing is read from what is not
    /// an executable, a FIFO does not block it, and a missing file is an error naming the call.
    @Test func whatIsNoExecutableIsLeftAlone() throws {
        defer { removeDirectories() }
        var random = SystemRandomNumberGenerator()
        let garbage = (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &random) }
        try #require(FileManager.default.createFile(atPath: "\(directory)/garbage", contents: Data(garbage)))
        try #require(FileManager.default.createFile(atPath: "\(directory)/empty", contents: Data()))
        // An ELF header claiming 60,000 program headers at an offset past the end.
        var header = [UInt8](repeating: 0, count: 64)
        header[0...5] = [0x7F, 0x45, 0x4C, 0x46, 2, 1]
        header[32] = 0xFF; header[33] = 0xFF; header[34] = 0xFF
        header[54] = 56
        header[56] = 0x60; header[57] = 0xEA
        try #require(FileManager.default.createFile(atPath: "\(directory)/damaged", contents: Data(header)))
        try #require(mkfifo("\(directory)/fifo", 0o600) == 0)
        for name in ["garbage", "empty", "damaged", "fifo"] {
            #expect(try ExecutableWarmup.warm("\(directory)/\(name)") == .notAnExecutable, "\(name)")
        }
        #expect(try ExecutableWarmup.warm(directory) == .notAnExecutable)
        // A sparse 300 MiB file whose one read-only segment covers it all: not read.
        var huge = [UInt8](repeating: 0, count: 120)
        huge[0...5] = [0x7F, 0x45, 0x4C, 0x46, 2, 1]
        huge[32] = 64                                   // program headers right after the header
        huge[54] = 56; huge[56] = 1                     // one of 56 bytes
        huge[64] = 1; huge[68] = 5                      // PT_LOAD, read and execute
        huge[64 + 32 + 3] = 0x12; huge[64 + 32 + 2] = 0xC0  // p_filesz = 300 MiB
        try #require(FileManager.default.createFile(atPath: "\(directory)/huge", contents: Data(huge)))
        try #require(truncate("\(directory)/huge", 300 << 20) == 0)
        #expect(try ExecutableWarmup.warm("\(directory)/huge") == .tooLarge)
        #expect(throws: SystemCallError.self) { try ExecutableWarmup.warm("\(directory)/missing") }
        do {
            _ = try ExecutableWarmup.warm("\(directory)/missing")
        } catch {
            #expect(error.description.hasPrefix("open '\(directory)/missing': "))
        }
    }
}
