import Glibc

/// Reads a definition file whole, refusing what is not a regular file or is over the size
/// limit before reading it: a hostile 10 GB file costs one fstat.
enum DefinitionFile {
    /// Reads the file at `path` (errors name it) and hands its bytes to `parse`.
    static func parse<Parsed>(contentsOf path: String,
                              with parse: (UnsafeRawBufferPointer, String) throws(DomainDiagnostics) -> Parsed) throws(DomainDiagnostics) -> Parsed {
        let bytes: [UInt8]
        do {
            bytes = try contents(of: path, limit: ParsedXML.maximumSize)
        } catch {
            throw DomainDiagnostics([DomainError(file: path, line: nil, message: error.description)])
        }
        // withUnsafeBytes only rethrows untyped errors; carry the typed one out in a Result.
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(DomainDiagnostics) in try parse(buffer, path) }
        }
        return try result.get()
    }

    struct ReadError: Error, CustomStringConvertible {
        let description: String
    }

    static func contents(of path: String, limit: Int) throws(ReadError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard descriptor >= 0 else { throw ReadError(description: "cannot open: \(errnoText(errno))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw ReadError(description: "cannot stat: \(errnoText(errno))") }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw ReadError(description: "not a regular file") }
        guard status.st_size <= limit else {
            throw ReadError(description: "file is \(status.st_size) bytes; a definition may be at most \(limit) bytes")
        }
        // Read to EOF, not to st_size: the file may change under us; stop one byte past the limit.
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size) + 1)
        var filled = 0
        while true {
            if filled == bytes.count {
                guard bytes.count <= limit else {
                    throw ReadError(description: "file grew past \(limit) bytes while being read")
                }
                bytes.append(contentsOf: repeatElement(0, count: min(4096, limit + 1 - bytes.count)))
            }
            let count = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return read(descriptor, base + filled, buffer.count - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw ReadError(description: "cannot read: \(errnoText(errno))")
            }
            if count == 0 { break }
            filled += count
        }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }
}
