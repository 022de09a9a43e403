/// A linear pass over a definition's bytes, before libxml2 sees them, that finds an element
/// with more attributes than any definition needs. libxml2 (2.9, Debian 12's) checks each new
/// attribute of an element against all earlier ones: a file of one element with 90,000
/// attributes takes it seconds, and would hold up corrald's only loop. Refused here, every
/// file parses in time linear in its size.
enum AttributeCount {
    /// Far above any element of the dialect (a handful each), or of foreign metadata.
    static let maximum = 256

    /// The line and name of the first start tag with more than `maximum` attributes.
    static func firstExcess(in bytes: UnsafeRawBufferPointer) -> (line: Int, name: String)? {
        let count = bytes.count
        var index = 0
        var line = 1
        func skip(past terminator: [UInt8]) {
            while index < count {
                if bytes[index] == UInt8(ascii: "\n") { line += 1 }
                if bytes[index] == terminator[0], index + terminator.count <= count,
                   (0..<terminator.count).allSatisfy({ bytes[index + $0] == terminator[$0] }) {
                    index += terminator.count
                    return
                }
                index += 1
            }
        }
        func startsWith(_ text: String) -> Bool {
            let utf8 = Array(text.utf8)
            return index + utf8.count <= count && (0..<utf8.count).allSatisfy { bytes[index + $0] == utf8[$0] }
        }
        while index < count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") { line += 1 }
            guard byte == UInt8(ascii: "<"), index + 1 < count else {
                index += 1
                continue
            }
            if startsWith("<!--") {
                skip(past: Array("-->".utf8))
            } else if startsWith("<![CDATA[") {
                skip(past: Array("]]>".utf8))
            } else if startsWith("<?") {
                skip(past: Array("?>".utf8))
            } else if startsWith("<!") || startsWith("</") {
                skip(past: [UInt8(ascii: ">")])
            } else if let excess = startTag() {
                return excess
            }
        }
        return nil

        /// Counts the '=' outside quotes of the start tag at `index`.
        func startTag() -> (line: Int, name: String)? {
            let tagLine = line
            index += 1
            let nameStart = index
            while index < count, ![UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"),
                                   UInt8(ascii: ">"), UInt8(ascii: "/")].contains(bytes[index]) { index += 1 }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[nameStart..<index]), as: UTF8.self)
            var attributes = 0
            var quote: UInt8? = nil
            while index < count {
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "\n") { line += 1 }
                if let open = quote {
                    if byte == open { quote = nil }
                } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    quote = byte
                } else if byte == UInt8(ascii: "=") {
                    attributes += 1
                    if attributes > maximum { return (tagLine, name) }
                } else if byte == UInt8(ascii: ">") {
                    return nil
                }
            }
            return nil
        }
    }
}
