import CorralDomain
import Testing

/// The start path's own `joined`: the same text as the standard library's, for Strings and
/// Substrings alike, empty and one-element sequences included.
@Suite struct TextTests {
    @Test(arguments: [[], [""], ["a"], ["srv", "www"], ["", "x", ""], ["ünï", "côdé", "🙂"]])
    func joinedByAppendingIsJoined(_ parts: [String]) {
        #expect(parts.joinedByAppending(separator: "/") == parts.joined(separator: "/"))
        #expect(parts.joinedByAppending(separator: "") == parts.joined())
        let substrings = parts.map { $0[...] }
        #expect(substrings.joinedByAppending(separator: " / ") == substrings.joined(separator: " / "))
    }

    @Test func trimsOnlyASCIIWhitespace() {
        #expect(" \t\r\n0-1\n".trimmingASCIIWhitespace == "0-1")
        #expect("\u{00A0}x\u{00A0}".trimmingASCIIWhitespace == "\u{00A0}x\u{00A0}")
        #expect(" \n ".trimmingASCIIWhitespace == "")
    }
}
