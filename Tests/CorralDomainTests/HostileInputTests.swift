import CorralDomain
import Foundation
import Testing

/// Definitions are untrusted: entity tricks, external references, oversized and garbage
/// files are refused with a clear error, never expanded, fetched or read whole.
@Suite struct HostileInputTests {
    @Test func internalEntityIsRefused() {
        let xml = """
            <?xml version="1.0"?>
            <!DOCTYPE domain [
              <!ENTITY name "web">
            ]>
            <domain type='lxc'><name>&name;</name><os><type>exe</type><init>/i</init></os></domain>
            """
        #expect(errors(parsing: xml) == ["test.xml:3: error: <!DOCTYPE>: entity declarations are not allowed in a domain definition"])
    }

    @Test func billionLaughsIsRefusedBeforeExpansion() {
        var lines = ["<?xml version=\"1.0\"?>", "<!DOCTYPE domain [", "  <!ENTITY lol \"lol\">"]
        for level in 1...9 {
            let previous = level == 1 ? "lol" : "lol\(level - 1)"
            lines.append("  <!ENTITY lol\(level) \"" + String(repeating: "&\(previous);", count: 10) + "\">")
        }
        lines += ["]>", "<domain type='lxc'><name>&lol9;</name><os><type>exe</type><init>/i</init></os></domain>"]
        #expect(errors(parsing: lines.joined(separator: "\n")) ==
            ["test.xml:3: error: <!DOCTYPE>: entity declarations are not allowed in a domain definition"])
    }

    @Test func externalEntityIsNeitherReadNorFetched() {
        let xml = """
            <?xml version="1.0"?>
            <!DOCTYPE domain [<!ENTITY secret SYSTEM "file:///etc/shadow">]>
            <domain type='lxc'><name>&secret;</name><os><type>exe</type><init>/i</init></os></domain>
            """
        #expect(errors(parsing: xml) == ["test.xml:2: error: <!DOCTYPE>: entity declarations are not allowed in a domain definition"])
    }

    @Test func externalDTDIsRefused() {
        let xml = """
            <?xml version="1.0"?>
            <!DOCTYPE domain SYSTEM "http://example.invalid/domain.dtd">
            <domain type='lxc'><name>a</name><os><type>exe</type><init>/i</init></os></domain>
            """
        #expect(errors(parsing: xml) == ["test.xml:2: error: <!DOCTYPE>: external DTDs are not allowed in a domain definition"])
    }

    @Test func plainDoctypeIsHarmless() throws {
        let xml = "<!DOCTYPE domain>\n<domain type='lxc'><name>a</name><os><type>exe</type><init>/i</init></os></domain>"
        #expect(try DomainParser.parse(xml, file: "test.xml").name == "a")
    }

    /// The byte scan sees ASCII-compatible encodings only; in UTF-16 the entity declaration is
    /// caught in the parsed tree instead, before anything reads the entity (without a line:
    /// the tree does not record where a DOCTYPE stood).
    @Test func entityInUTF16IsRefusedToo() throws {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<!DOCTYPE domain [<!ENTITY n \"x\">]>\n"
            + "<domain type='lxc'><name>&n;</name><os><type>exe</type><init>/i</init></os></domain>"
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in xml.utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(DomainDiagnostics) in try DomainParser.parse(buffer, file: "utf16.xml") }
        }
        guard case .failure(let diagnostics) = result else {
            Issue.record("a UTF-16 entity declaration was accepted")
            return
        }
        #expect(diagnostics.description == "utf16.xml: error: <!DOCTYPE>: entity declarations are not allowed in a domain definition")
    }

    @Test func tenMegabyteFileIsRefusedWithoutReadingIt() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("corral-huge-\(UUID().uuidString).xml")
        defer { try? FileManager.default.removeItem(at: file) }
        var text = "<domain type='lxc'><name>a</name><description>"
        text += String(repeating: "x", count: 10 * 1024 * 1024)
        text += "</description><os><type>exe</type><init>/i</init></os></domain>"
        try text.write(to: file, atomically: true, encoding: .utf8)
        do {
            _ = try DomainParser.parse(contentsOf: file.path)
            Issue.record("a 10 MB definition was accepted")
        } catch {
            #expect(error.description == "\(file.path): error: file is \(text.utf8.count) bytes; a definition may be at most 1048576 bytes")
        }
        // The same limit holds for definitions that arrive as bytes.
        #expect(errors(parsing: text) == ["test.xml: error: file is \(text.utf8.count) bytes; a definition may be at most 1048576 bytes"])
    }

    /// libxml2 checks each attribute of an element against all before it: a file of one element
    /// with tens of thousands of them is refused before it gets there.
    @Test func anElementWithThousandsOfAttributesIsRefusedAtOnce() {
        let attributes = (0..<30000).map { " a\($0)=''" }.joined()
        let text = "<domain type='lxc'>\n<name>x</name><metadata><c:container xmlns:c='https://corral.dev/xmlns/container/1'>\n"
            + "<c:pids\(attributes) max='4'/></c:container></metadata></domain>"
        #expect(throws: DomainDiagnostics([DomainError(file: "many.xml", line: 3,
                                                       message: "<c:pids>: more than 256 attributes; no element of a definition has that many")])) {
            try DomainParser.parse(text, file: "many.xml")
        }
        // Quotes, comments and CDATA do not count.
        let quoted = "<domain type='lxc'><!-- " + String(repeating: "a='' ", count: 300) + "--><name a=\"" + String(repeating: "=", count: 300)
            + "\">x</name></domain>"
        #expect(throws: DomainDiagnostics.self) { try DomainParser.parse(quoted, file: "q.xml") }
        do {
            _ = try DomainParser.parse(quoted, file: "q.xml")
        } catch {
            #expect(!error.description.contains("more than 256 attributes"), "\(error)")
        }
    }

    /// Thousands of faults give a readable report: the first hundred, then a count.
    @Test func errorsAreCappedPerElementAndPerFile() {
        let attributes = (0..<50).map { " a\($0)=''" }.joined()
        let filesystems = (0..<40).map { "<filesystem type='ram'\(attributes)><source usage='1'/><target dir='/t\($0)'/></filesystem>" }
        let text = "<domain type='lxc'><name>x</name><os><type>exe</type><init>/i</init></os><devices>"
            + filesystems.joined() + "</devices></domain>"
        do {
            _ = try DomainParser.parse(text, file: "faults.xml")
            Issue.record("accepted")
        } catch {
            #expect(error.errors.count == 101, "100 errors and a summary")
            #expect(error.errors.filter { $0.message.hasSuffix("40 more unknown attribute(s)") }.count == 9, "10 per element, then a count")
            #expect(error.errors.last?.description == "faults.xml: error: \(40 * 11 - 100) more error(s) not shown")
        }
    }

    @Test func emptyFileIsRefused() {
        #expect(errors(parsing: "") == ["test.xml: error: empty file: expected a <domain> definition"])
    }

    @Test func whitespaceOnlyFileIsRefused() {
        #expect(errors(parsing: "\n\n  \n") == ["test.xml:4: error: malformed XML: Start tag expected, '<' not found"])
    }

    @Test func binaryGarbageIsRefused() throws {
        // A fixed pseudo-random sequence, so a failure can be reproduced.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var bytes = [UInt8](repeating: 0, count: 64 * 1024)
        for index in bytes.indices {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            bytes[index] = UInt8(truncatingIfNeeded: state >> 56)
        }
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(DomainDiagnostics) in try DomainParser.parse(buffer, file: "garbage.bin") }
        }
        guard case .failure(let diagnostics) = result else {
            Issue.record("garbage parsed as a domain")
            return
        }
        #expect(diagnostics.errors.count == 1)
        #expect(diagnostics.description.hasPrefix("garbage.bin:1: error: malformed XML: "))
    }

    @Test func deepNestingIsRefusedByLibxml2sLimit() {
        let depth = 100_000
        let xml = "<domain type='lxc'><name>a</name><os><type>exe</type><init>/i</init></os><description>"
            + String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth) + "</description></domain>"
        let reported = errors(parsing: xml)
        #expect(reported.count == 1)
        #expect(reported.first?.contains("malformed XML: Excessive depth in document: 256 use XML_PARSE_HUGE option") == true)
    }

    @Test func hugeAttributeValueStaysWithinTheFileLimit() throws {
        let value = String(repeating: "v", count: 900_000)
        let xml = "<domain type='lxc'><name>a</name><os><type arch='\(value)'>exe</type><init>/i</init></os></domain>"
        let reported = errors(parsing: xml)
        #expect(reported.count == 1)
        #expect(reported.first?.hasPrefix("test.xml:1: error: <type>: arch 'vvvv") == true)
    }
}
