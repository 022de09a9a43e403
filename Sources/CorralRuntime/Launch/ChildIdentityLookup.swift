import Glibc

/// Resolves <inituser> / <initgroup> inside the container, after pivot_root: a number is used
/// as it is, a name is looked up in the container's own /etc/passwd or /etc/group — never the
/// host's NSS, which a static binary must not use and which would answer for the wrong system.
/// Reads into the parent's preallocated buffer and parses in place: no allocation.
struct ChildIdentityLookup {
    let buffer: UnsafeMutablePointer<UInt8>
    let size: Int
    let errorDescriptor: Int32

    /// The id of `name` (third field of a passwd or group line).
    /// The file is the container's: hostile. It is opened without blocking (a FIFO would block
    /// the open and the read forever) and must be a regular file of bounded size.
    func id(of name: UnsafePointer<CChar>, in file: UnsafePointer<CChar>, reading: ChildCall, irregular: ChildCall,
            unknown: ChildCall) -> UInt32 {
        if let number = ChildIdentityLookup.number(name, length: strlen(name)) { return number }
        return field(2, of: name, in: file, reading: reading, irregular: irregular, unknown: unknown)
    }

    /// A user's uid and primary gid from the container's /etc/passwd; a number is that uid,
    /// with gid 0 (as `docker exec --user 1000` has it).
    func ids(of user: UnsafePointer<CChar>) -> (user: UInt32, group: UInt32) {
        if let number = ChildIdentityLookup.number(user, length: strlen(user)) { return (number, 0) }
        return (field(2, of: user, in: "/etc/passwd", reading: .readUsers, irregular: .irregularUsers, unknown: .unknownUser),
                field(3, of: user, in: "/etc/passwd", reading: .readUsers, irregular: .irregularUsers, unknown: .unknownUser))
    }

    /// Field `index` (0-based: 2 is the id, 3 a user's group) of `name`'s line in `file`.
    private func field(_ index: Int, of name: UnsafePointer<CChar>, in file: UnsafePointer<CChar>, reading: ChildCall,
                       irregular: ChildCall, unknown: ChildCall) -> UInt32 {
        let descriptor = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else { childFail(errorDescriptor, reading) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { childFail(errorDescriptor, reading) }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            errno = EINVAL
            childFail(errorDescriptor, irregular)
        }
        var filled = 0
        while filled < size {
            let count = read(descriptor, buffer + filled, size - filled)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { childFail(errorDescriptor, reading) }
            if count == 0 { break }
            filled += count
        }
        _ = close(descriptor)
        if filled == size {
            errno = EFBIG
            childFail(errorDescriptor, reading)
        }
        let nameLength = strlen(name)
        var lineStart = 0
        while lineStart < filled {
            var lineEnd = lineStart
            while lineEnd < filled && buffer[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            if let id = idField(line: lineStart..<lineEnd, name: name, nameLength: nameLength, field: index) { return id }
            lineStart = lineEnd + 1
        }
        errno = ENOENT
        childFail(errorDescriptor, unknown)
    }

    /// For `name:password:ID:GID:…`, field `wanted` (2: ID, 3: GID) when the line's first field
    /// is `name`.
    private func idField(line: Range<Int>, name: UnsafePointer<CChar>, nameLength: Int, field wanted: Int) -> UInt32? {
        guard line.count > nameLength, buffer[line.lowerBound + nameLength] == UInt8(ascii: ":"),
              memcmp(buffer + line.lowerBound, name, nameLength) == 0 else { return nil }
        var field = 0
        var start = line.lowerBound
        for index in line.lowerBound...line.upperBound {
            // The field ends at a ':' or at the end of the line.
            guard index == line.upperBound || buffer[index] == UInt8(ascii: ":") else { continue }
            if field == wanted {
                return ChildIdentityLookup.number(UnsafeRawPointer(buffer + start).assumingMemoryBound(to: CChar.self),
                                                  length: index - start)
            }
            field += 1
            start = index + 1
        }
        return nil
    }

    /// A decimal id below 2^32 - 1 (the kernel's "no id"), or nil.
    static func number(_ text: UnsafePointer<CChar>, length: Int) -> UInt32? {
        guard length > 0, length <= 10 else { return nil }
        var value: UInt64 = 0
        for index in 0..<length {
            let digit = UInt8(bitPattern: text[index])
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + UInt64(digit - UInt8(ascii: "0"))
        }
        return value < UInt64(UInt32.max) ? UInt32(value) : nil
    }
}
