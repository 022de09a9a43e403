/// Names the parser has seen — to find an element given twice — kept in an array while there
/// are few, as in any sane definition, and in a `Set` past `arrayLimit`, so a hostile file of
/// thousands stays linear.
///
/// Why not always a `Set`: the first `Set<String>` a process fills instantiates the metadata of
/// its generic storage class, ~50 µs of every container start (README, "Start latency"). For
/// the same reason the parser's fixed lists of names are arrays.
struct NameSet {
    static let arrayLimit = 16

    private var few: [String] = []
    private var many: Set<String>? = nil

    func contains(_ name: String) -> Bool {
        many?.contains(name) ?? few.contains(name)
    }

    /// Adds `name`; whether it was not there yet.
    @discardableResult
    mutating func insert(_ name: String) -> Bool {
        if many != nil { return many?.insert(name).inserted ?? false }
        guard !few.contains(name) else { return false }
        few.append(name)
        if few.count > NameSet.arrayLimit {
            many = Set(few)
            few = []
        }
        return true
    }
}
