/// An amount of memory in KiB, the unit libvirt stores and writes back.
public struct MemoryAmount: Sendable, Hashable, Comparable {
    public var kibibytes: UInt64

    public init(kibibytes: UInt64) { self.kibibytes = kibibytes }

    public var bytes: UInt64 { kibibytes.multipliedReportingOverflow(by: 1024).partialValue }

    public static func < (lhs: MemoryAmount, rhs: MemoryAmount) -> Bool { lhs.kibibytes < rhs.kibibytes }

    /// Scales `value` given in `unit` (libvirt's unit names; nil = KiB) to KiB, rounding up
    /// as libvirt does. Nil when the unit is unknown or the result overflows.
    public init?(value: UInt64, unit: String?) {
        guard let multiplier = MemoryAmount.bytesPerUnit(unit ?? "KiB") else { return nil }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { return nil }
        self.kibibytes = bytes / 1024 + (bytes % 1024 == 0 ? 0 : 1)
    }

    /// libvirt's `virScaleInteger` table: 'b'/'bytes', SI with 'B' ('KB' = 1000), binary
    /// otherwise ('k', 'KiB' = 1024); case-insensitive like libvirt.
    static func bytesPerUnit(_ unit: String) -> UInt64? {
        let lowered = unit.lowercased()
        if lowered == "b" || lowered == "byte" || lowered == "bytes" { return 1 }
        let letters = Array(lowered.utf8)
        guard let first = letters.first, letters.count <= 3 else { return nil }
        let power: UInt64
        switch first {
        case UInt8(ascii: "k"): power = 1
        case UInt8(ascii: "m"): power = 2
        case UInt8(ascii: "g"): power = 3
        case UInt8(ascii: "t"): power = 4
        case UInt8(ascii: "p"): power = 5
        case UInt8(ascii: "e"): power = 6
        default: return nil
        }
        let base: UInt64
        switch letters.dropFirst() {
        case []: base = 1024
        case [UInt8(ascii: "b")]: base = 1000
        case [UInt8(ascii: "i"), UInt8(ascii: "b")]: base = 1024
        default: return nil
        }
        var result: UInt64 = 1
        for _ in 0..<power { result *= base }
        return result
    }
}
