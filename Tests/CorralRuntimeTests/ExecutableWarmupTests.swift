@testable import CorralRuntime
import Foundation
import Glibc
import Testing

/// corrald reads corral-monitor's code into the page cache before its first spawn when a boot
/// left it uncached (ExecutableWarmup).
@Suite(.serialized) struct ExecutableWarmupTests {
    private let directory = FileManager.default.temporaryDirectory.appendingPathComponent("corral-warmup-\(UUID().uuidString)").path

    init() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// A copy of `source` whose page cache is then dropped: written, flushed, and advised away.
    private func uncachedCopy(of source: String, named name: String) throws -> String {
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
        let (cached, total) = try ExecutableWarmup.residentPages(descriptor, size: size, segments: segments,
                                                                 pageSize: Int(sysconf(Int32(_SC_PAGESIZE))), path: path)
        return Double(cached) / Double(total)
    }

    @Test func readsTheCodeOfAnUncachedExecutableOnce() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // This test's own executable (a copy of the file, not of the /proc link): a large ELF
        // with code, metadata and data segments.
        let path = try uncachedCopy(of: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"),
                                    named: "program")
        #expect(try cachedShare(path) < 0.25)
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
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var random = SystemRandomNumberGenerator()
        let garbage = (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &random) }
        FileManager.default.createFile(atPath: "\(directory)/garbage", contents: Data(garbage))
        FileManager.default.createFile(atPath: "\(directory)/empty", contents: Data())
        // An ELF header claiming 60,000 program headers at an offset past the end.
        var header = [UInt8](repeating: 0, count: 64)
        header[0...5] = [0x7F, 0x45, 0x4C, 0x46, 2, 1]
        header[32] = 0xFF; header[33] = 0xFF; header[34] = 0xFF
        header[54] = 56
        header[56] = 0x60; header[57] = 0xEA
        FileManager.default.createFile(atPath: "\(directory)/damaged", contents: Data(header))
        try #require(mkfifo("\(directory)/fifo", 0o600) == 0)
        for name in ["garbage", "empty", "damaged", "fifo"] {
            #expect(try ExecutableWarmup.warm("\(directory)/\(name)") == .notAnExecutable, "\(name)")
        }
        #expect(try ExecutableWarmup.warm(directory) == .notAnExecutable)
        #expect(throws: SystemCallError.self) { try ExecutableWarmup.warm("\(directory)/missing") }
        do {
            _ = try ExecutableWarmup.warm("\(directory)/missing")
        } catch {
            #expect(error.description.hasPrefix("open '\(directory)/missing': "))
        }
    }
}
