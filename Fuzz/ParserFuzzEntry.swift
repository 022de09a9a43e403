// libFuzzer's entry for the definition parser, compiled by scripts/fuzz.sh into one module with
// CorralDomain's sources, so the parser itself is instrumented. Any input must end in a Domain
// or in diagnostics (a crash, a trap or a hang is a bug), and a Domain's canonical form must
// parse again to the same Domain.
@_cdecl("LLVMFuzzerTestOneInput")
public func parserFuzzEntry(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let domain: Domain
    do {
        domain = try DomainParser.parse(UnsafeRawBufferPointer(start: data, count: size), file: "fuzz.xml")
    } catch {
        _ = error.description  // diagnostics: the expected answer to garbage
        return 0
    }
    let canonical = domain.canonicalXML
    do {
        let again = try DomainParser.parse(canonical, file: "canonical.xml")
        if again.canonicalXML != canonical { fatalError("the canonical form changes when parsed again:\n\(canonical)") }
    } catch {
        fatalError("the canonical form does not parse: \(error)\n\(canonical)")
    }
    return 0
}
