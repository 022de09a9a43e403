@testable import CorralDomain
import Testing

/// The parser's duplicate check: an array while small, a Set past its limit.
@Suite struct NameSetTests {
    @Test func tellsNewNamesFromSeenOnesOnBothSidesOfTheLimit() {
        var names = NameSet()
        let count = NameSet.arrayLimit * 3
        for index in 0..<count {
            let first = names.insert("n\(index)"), second = names.insert("n\(index)")
            #expect(first)
            #expect(!second)
        }
        for index in 0..<count { #expect(names.contains("n\(index)")) }
        #expect(!names.contains("n\(count)"))
    }

    /// Thousands of distinct names stay linear (a hostile definition's duplicates check).
    @Test func thirtyThousandNames() {
        var names = NameSet()
        for index in 0..<30_000 { names.insert("e\(index)") }
        #expect(names.contains("e29999") && !names.contains("e30000"))
    }
}
