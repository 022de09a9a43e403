import Glibc

/// Reads an executable's code into the page cache with read(2) when it is not cached yet, so
/// that the page cache holds it in large folios.
///
/// Why: every exec maps the pages around each of its faults, and maps and unmaps large folios
/// a folio at a time but single pages one by one. An uncached file that is exec'd is read in by
/// those faults — single pages, which stay so while cached; on this project's VM a Corral start
/// from such a page cache cost ~0.5 ms more (README, "Start latency"). corrald runs this for
/// corral-monitor before its first spawn: after a boot nothing has read the file yet.
///
/// Only the segments an exec maps read-only (code, Swift metadata, unwind tables) are read:
/// not the data, which includes ICU's tables that a monitor never touches. Nothing is read when
/// a quarter of those pages is cached already: re-reading would not change the folios of what
/// is cached, and a restarted corrald would pay for it at every start.
public enum ExecutableWarmup {
    /// What a warm-up did.
    public enum Outcome: Equatable, Sendable {
        /// Read `bytes` of the file's read-only segments.
        case read(bytes: Int)
        /// Mostly cached already: nothing read.
        case cached
        /// Not a 64-bit ELF executable (or not a regular file): nothing read.
        case notAnExecutable
        /// Read-only segments larger than any monitor's (`maximumBytes`): nothing read.
        case tooLarge
    }

    /// The most program headers a sane executable has; more means a damaged file.
    static let maximumSegments = 64
    /// More read-only bytes than this is no Corral monitor (~10 MB): not read, before READY.
    static let maximumBytes = 256 << 20
    /// The kernel's default readahead window. Read in such steps, the readahead grows its folios
    /// as it goes; in 1 MiB steps it kept smaller ones (measured: unmapping the 4.4 MB of text a
    /// start touches took 20 µs after 128 KiB reads, 60 µs after 1 MiB reads, 200 µs from
    /// single pages).
    static let chunkSize = 128 << 10

    public static func warm(_ path: String) throws(SystemCallError) -> Outcome {
        // O_NONBLOCK: a FIFO where the executable should be must not hang corrald; O_NOCTTY: a
        // terminal there must not become its controlling terminal.
        let file = try OwnedDescriptor.open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY)
        defer { file.close() }
        var status = stat()
        guard fstat(file.rawValue, &status) == 0 else { throw .last("fstat", path) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { return .notAnExecutable }
        let size = Int(status.st_size)
        guard let segments = try readOnlySegments(file.rawValue, size: size, path: path), !segments.isEmpty else {
            return .notAnExecutable
        }
        guard segments.reduce(0, { $0 + $1.count }) <= maximumBytes else { return .tooLarge }
        let (cached, total) = try residentPages(file.rawValue, segments: segments, path: path)
        guard cached * 4 < total else { return .cached }
        return .read(bytes: try read(file.rawValue, segments: segments, path: path))
    }

    /// The file ranges of the PT_LOAD segments without write permission, from the ELF header
    /// and program headers; nil when the file is no 64-bit little-endian ELF. Ranges are
    /// clamped to the file.
    static func readOnlySegments(_ descriptor: Int32, size: Int, path: String) throws(SystemCallError) -> [Range<Int>]? {
        guard let header = try bytes(descriptor, at: 0, count: 64, path: path),
              header[0] == 0x7F, header[1] == UInt8(ascii: "E"), header[2] == UInt8(ascii: "L"),
              header[3] == UInt8(ascii: "F"), header[4] == 2 /* ELFCLASS64 */, header[5] == 1 /* little-endian */
        else { return nil }
        let tableOffset = Int(clamping: integer(header, at: 32, width: 8))
        let entrySize = Int(integer(header, at: 54, width: 2))
        let entries = Int(integer(header, at: 56, width: 2))
        guard entrySize == 56, entries > 0, entries <= maximumSegments, tableOffset < size,
              let table = try bytes(descriptor, at: tableOffset, count: entries * entrySize, path: path)
        else { return nil }
        var segments: [Range<Int>] = []
        for index in 0..<entries {
            let entry = index * entrySize
            let type = integer(table, at: entry, width: 4)
            let flags = integer(table, at: entry + 4, width: 4)
            guard type == 1 /* PT_LOAD */, flags & 2 /* PF_W */ == 0 else { continue }
            let offset = Int(clamping: integer(table, at: entry + 8, width: 8))
            let length = Int(clamping: integer(table, at: entry + 32, width: 8))
            guard offset < size else { continue }
            let end = offset + min(length, size - offset)
            if end > offset { segments.append(offset..<end) }
        }
        return segments
    }

    /// How many pages of `segments` are in the page cache, and how many there are: mincore over
    /// a mapping of each segment, never touched.
    static func residentPages(_ descriptor: Int32, segments: [Range<Int>], path: String) throws(SystemCallError) -> (cached: Int, total: Int) {
        // getpagesize cannot fail.
        let pageSize = Int(getpagesize())
        var cached = 0, total = 0
        for segment in segments {
            let start = segment.lowerBound / pageSize * pageSize
            let length = segment.upperBound - start
            guard let mapping = mmap(nil, length, PROT_READ, MAP_SHARED, descriptor, off_t(start)),
                  mapping != UnsafeMutableRawPointer(bitPattern: -1) /* MAP_FAILED */ else {
                throw .last("mmap", path)
            }
            // munmap of a mapping made just above cannot fail.
            defer { _ = munmap(mapping, length) }
            var residency = [UInt8](repeating: 0, count: (length + pageSize - 1) / pageSize)
            guard mincore(mapping, length, &residency) == 0 else { throw .last("mincore", path) }
            total += residency.count
            cached += residency.reduce(0) { $0 + Int($1 & 1) }
        }
        return (cached, total)
    }

    /// Reads the segments through sequentially (the kernel's readahead then allocates large
    /// folios); returns the bytes read.
    private static func read(_ descriptor: Int32, segments: [Range<Int>], path: String) throws(SystemCallError) -> Int {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 4096)
        defer { buffer.deallocate() }
        var total = 0
        for segment in segments {
            var offset = segment.lowerBound
            while offset < segment.upperBound {
                let count = pread(descriptor, buffer.baseAddress, min(chunkSize, segment.upperBound - offset), off_t(offset))
                if count < 0 && errno == EINTR { continue }
                guard count >= 0 else { throw .last("pread", path) }
                // The file shrank since fstat: what is left is read.
                if count == 0 { break }
                offset += count
                total += count
            }
        }
        return total
    }

    /// `count` bytes at `offset`, or nil when the file has fewer.
    private static func bytes(_ descriptor: Int32, at offset: Int, count: Int, path: String) throws(SystemCallError) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        while true {
            let result = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(offset)) }
            if result < 0 && errno == EINTR { continue }
            guard result >= 0 else { throw .last("pread", path) }
            return result == count ? bytes : nil
        }
    }

    /// A little-endian unsigned integer of `width` bytes at `offset`.
    private static func integer(_ bytes: [UInt8], at offset: Int, width: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in (0..<width).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
        return value
    }
}
