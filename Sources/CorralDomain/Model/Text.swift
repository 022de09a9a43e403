extension String {
    /// The string without ASCII whitespace (space, tab, CR, LF) at either end — XML's
    /// whitespace too; for files of the system (cgroup, sysfs, /proc) and of configuration.
    public var trimmingASCIIWhitespace: String {
        let utf8 = self.utf8
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        guard let first = utf8.firstIndex(where: { !isSpace($0) }),
              let last = utf8.lastIndex(where: { !isSpace($0) }) else { return "" }
        if first == utf8.startIndex && last == utf8.index(before: utf8.endIndex) { return self }
        return String(self[first...last])
    }

    /// The string without XML whitespace at either end (the same four characters).
    var trimmingXMLWhitespace: String { trimmingASCIIWhitespace }

    /// Whether every character is an ASCII letter, an ASCII digit or one of `punctuation`: the
    /// names that become files, bridges and interfaces (true for the empty string).
    public func consists(ofLettersDigitsAnd punctuation: String) -> Bool {
        utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            default: punctuation.utf8.contains(byte)
            }
        }
    }
}

/// `joined(separator:)`, spelled out for the start path: the standard library's is not
/// specialised for most element types and looks up its associated types by name at its first
/// call in a process — a scan of every protocol conformance of the binary, ~0.1 ms. One for
/// Strings and one for Substrings, each appending through String's own overload for its type
/// (in code generic over StringProtocol, `append(contentsOf:)` is the unspecialised one again);
/// inlinable, so that each caller gets it specialised for its sequence.
extension Sequence where Element == String {
    @inlinable
    public func joinedByAppending(separator: String) -> String {
        joinedAppending(separator: separator) { $0.append($1) }
    }
}

extension Sequence where Element == Substring {
    @inlinable
    public func joinedByAppending(separator: String) -> String {
        joinedAppending(separator: separator) { $0.append(contentsOf: $1) }
    }
}

extension Sequence {
    /// The elements, `append`ed one by one with `separator` between them.
    @inlinable
    func joinedAppending(separator: String, _ append: (inout String, Element) -> Void) -> String {
        var text = ""
        for (index, element) in enumerated() {
            if index > 0 { text.append(separator) }
            append(&text, element)
        }
        return text
    }
}
