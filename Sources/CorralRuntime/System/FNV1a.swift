/// FNV-1a, 64 bits: a hash that is the same in every run and build (Swift's Hasher is seeded
/// per process) — for names derived from a container's name and for cache keys on disk.
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }

    mutating func add(_ text: String) {
        for byte in text.utf8 { add(byte) }
    }
}
