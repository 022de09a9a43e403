import CorralDomain
import Foundation
import Testing

/// What Corral writes validates against libvirt's own schema (Debian's libvirt0 package).
@Suite(.enabled(if: LibvirtSchema.isAvailable, "xmllint or libvirt's domain.rng is missing: apt-get install libxml2-utils libvirt0"))
struct SchemaValidationTests {
    /// Fixtures that use Corral's extensions, which libvirt's schema cannot know.
    static let corralExtensions: Set<String> = ["block-filesystem-type.xml"]

    @Test(arguments: Fixtures.validNames)
    func formattedFixtureValidates(name: String) throws {
        let domain = try DomainParser.parse(contentsOf: Fixtures.valid.appendingPathComponent(name).path)
        let problems = try LibvirtSchema.problems(in: domain.canonicalXML)
        if SchemaValidationTests.corralExtensions.contains(name) {
            #expect(problems != nil, "\(name) should exercise an extension libvirt's schema refuses")
        } else {
            #expect(problems == nil, "\(name): \(problems ?? "")")
        }
    }

    @Test(.enabled(if: Fixtures.corpus != nil, "libvirt's corpus is not beside this checkout"),
          arguments: Fixtures.corpusNames)
    func formattedCorpusFileValidates(name: String) throws {
        let corpus = try #require(Fixtures.corpus)
        let domain = try DomainParser.parse(contentsOf: corpus.appendingPathComponent(name).path)
        let problems = try LibvirtSchema.problems(in: domain.canonicalXML)
        #expect(problems == nil, "\(name): \(problems ?? "")")
    }
}
