/// A domain's 128-bit UUID, written as libvirt writes it: lowercase 8-4-4-4-12.
public struct DomainUUID: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// Accepts libvirt's two spellings: 32 hex digits, or 8-4-4-4-12 with dashes.
    public init?(parsing text: Substring) {
        let digits = text.utf8
        let dashed = digits.count == 36
        guard digits.count == 32 || dashed else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        var high: UInt8? = nil
        for (offset, character) in digits.enumerated() {
            if dashed && (offset == 8 || offset == 13 || offset == 18 || offset == 23) {
                guard character == UInt8(ascii: "-") else { return nil }
                continue
            }
            guard let nibble = hexValue(character) else { return nil }
            if let pending = high {
                bytes.append(pending << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        guard bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    public var description: String {
        let hex: [Character] = Array("0123456789abcdef")
        var text = ""
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append("-") }
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0xF)])
        }
        return text
    }
}

private func hexValue(_ character: UInt8) -> UInt8? {
    switch character {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return character - UInt8(ascii: "A") + 10
    default: return nil
    }
}
