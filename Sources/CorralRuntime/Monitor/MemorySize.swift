/// Sizes as an operator reads them: the largest unit that keeps the number whole or above one.
public enum MemorySize {
    public static func text(_ bytes: UInt64) -> String {
        let units: [(String, UInt64)] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        for (name, size) in units where bytes >= size {
            let whole = bytes / size, tenths = bytes % size * 10 / size
            return tenths == 0 ? "\(whole) \(name)" : "\(whole).\(tenths) \(name)"
        }
        return "\(bytes) B"
    }
}
