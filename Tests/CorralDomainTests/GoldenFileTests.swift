import CorralDomain
import Foundation
import Testing

/// Each definition formats to its golden file, and formatting is stable: parsing the
/// canonical text and formatting it again gives the same bytes.
@Suite struct GoldenFileTests {
    @Test(arguments: Fixtures.validNames)
    func fixtureMatchesGolden(name: String) throws {
        try check(Fixtures.valid.appendingPathComponent(name), golden: Fixtures.golden.appendingPathComponent(name))
    }

    @Test(.enabled(if: Fixtures.corpus != nil, "libvirt's corpus (../shared/corpus/libvirt-lxc) is not beside this checkout"),
          arguments: Fixtures.corpusNames)
    func corpusFileMatchesGolden(name: String) throws {
        let corpus = try #require(Fixtures.corpus)
        try check(corpus.appendingPathComponent(name), golden: Fixtures.corpusGolden.appendingPathComponent(name))
    }

    /// The parameterised tests above run once per file: an empty list would make them pass
    /// by running nothing.
    @Test func theFixtureListIsNotEmpty() {
        #expect(Fixtures.validNames.count >= 20, "the fixtures in \(Fixtures.valid.path)")
    }

    @Test func everyCorpusFileHasAGolden() throws {
        // The goldens are committed, so they also document the corpus where it is absent.
        let goldens = Fixtures.xmlFiles(in: Fixtures.corpusGolden)
        #expect(goldens.count >= 11)
        for golden in goldens {
            let text = try String(contentsOf: golden, encoding: .utf8)
            let domain = try DomainParser.parse(text, file: golden.lastPathComponent)
            #expect(domain.canonicalXML == text, "\(golden.lastPathComponent) is not canonical")
        }
    }

    private func check(_ input: URL, golden: URL) throws {
        let domain = try DomainParser.parse(contentsOf: input.path)
        let formatted = domain.canonicalXML
        if Fixtures.updateGolden {
            try formatted.write(to: golden, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: golden, encoding: .utf8)
        #expect(formatted == expected, "\(input.lastPathComponent) differs from its golden file")

        let reparsed = try DomainParser.parse(formatted, file: golden.lastPathComponent)
        #expect(reparsed == domain, "the canonical text of \(input.lastPathComponent) parses to a different domain")
        #expect(reparsed.canonicalXML == formatted, "formatting \(input.lastPathComponent) is not stable")
    }
}
