/// Writes XML the way libvirt does: two-space indentation, single-quoted attributes, and
/// `& < > ' "` escaped everywhere, so any value survives a round trip byte for byte.
struct XMLWriter {
    private(set) var output = ""
    private var depth = 0

    init() { output.reserveCapacity(2048) }

    typealias Attributes = [(String, String?)]

    /// `<name a='v'>` and one level deeper.
    mutating func open(_ name: String, _ attributes: Attributes = []) {
        startTag(name, attributes)
        output += ">\n"
        depth += 1
    }

    mutating func close(_ name: String) {
        depth -= 1
        indent()
        output += "</\(name)>\n"
    }

    /// `<name a='v'/>`.
    mutating func empty(_ name: String, _ attributes: Attributes = []) {
        startTag(name, attributes)
        output += "/>\n"
    }

    /// `<name a='v'>text</name>`, or `<name/>` for empty text.
    mutating func textElement(_ name: String, _ attributes: Attributes = [], text: String) {
        guard !text.isEmpty else { return empty(name, attributes) }
        startTag(name, attributes)
        output += ">"
        append(escaping: text, inAttribute: false)
        output += "</\(name)>\n"
    }

    /// Text standing between child elements, on its own line.
    mutating func textLine(_ text: String) {
        indent()
        append(escaping: text, inAttribute: false)
        output += "\n"
    }

    private mutating func startTag(_ name: String, _ attributes: Attributes) {
        indent()
        output += "<"
        output += name
        for (attribute, value) in attributes {
            guard let value else { continue }
            output += " "
            output += attribute
            output += "='"
            append(escaping: value, inAttribute: true)
            output += "'"
        }
    }

    private mutating func indent() {
        for _ in 0..<depth { output += "  " }
    }

    private mutating func append(escaping text: String, inAttribute: Bool) {
        // Most values need no escaping; copy those whole.
        if !text.utf8.contains(where: { XMLWriter.needsEscape($0, inAttribute: inAttribute) }) {
            output += text
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "'": output += "&apos;"
            case "\"": output += "&quot;"
            // A parser normalises raw CR away, and raw newlines and tabs in attributes to spaces.
            case "\r": output += "&#13;"
            case "\n" where inAttribute: output += "&#10;"
            case "\t" where inAttribute: output += "&#9;"
            default: output.unicodeScalars.append(scalar)
            }
        }
    }

    private static func needsEscape(_ byte: UInt8, inAttribute: Bool) -> Bool {
        switch byte {
        case UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "'"),
             UInt8(ascii: "\""), 0x0D: true
        case 0x0A, 0x09: inAttribute
        default: false
        }
    }
}
