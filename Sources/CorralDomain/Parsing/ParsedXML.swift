internal import CLibXML2

/// A libxml2 document parsed with the defences untrusted definitions need, freed on deinit.
///
/// libxml2 is asked for no network access (`XML_PARSE_NONET`), no entity substitution (no
/// `XML_PARSE_NOENT`), no DTD loading or default attributes, and keeps its own size limits (no
/// `XML_PARSE_HUGE`). On top of that Corral refuses files over `maximumSize` before libxml2
/// sees them, and any DOCTYPE that declares entities or names an external DTD: a domain
/// definition never needs either, and both are how XML attacks start.
final class ParsedXML {
    /// Real definitions are a few KiB; 1 MiB leaves room for huge comments and still refuses
    /// a hostile file in microseconds.
    static let maximumSize = 1 << 20

    private let document: xmlDocPtr
    let root: SourceElement

    private static let options = Int32(
        XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
            | XML_PARSE_BIG_LINES.rawValue | XML_PARSE_NOCDATA.rawValue)

    init(bytes: UnsafeRawBufferPointer, file: String) throws(DomainDiagnostics) {
        func refuse(_ line: Int?, _ message: String) -> DomainDiagnostics {
            DomainDiagnostics([DomainError(file: file, line: line, message: message)])
        }
        guard bytes.count > 0 else { throw refuse(nil, "empty file: expected a <domain> definition") }
        guard bytes.count <= ParsedXML.maximumSize else {
            throw refuse(nil, "file is \(bytes.count) bytes; a definition may be at most \(ParsedXML.maximumSize) bytes")
        }
        if let line = ParsedXML.line(of: "<!ENTITY", in: bytes) {
            throw refuse(line, "<!DOCTYPE>: entity declarations are not allowed in a domain definition")
        }
        if let excess = AttributeCount.firstExcess(in: bytes) {
            throw refuse(excess.line, "<\(excess.name)>: more than \(AttributeCount.maximum) attributes; no element of a definition has that many")
        }
        guard let context = xmlNewParserCtxt() else { throw refuse(nil, "out of memory creating the XML parser") }
        defer { xmlFreeParserCtxt(context) }
        // libxml2 prints errors to stderr unless a handler is installed; its handlers are per
        // thread, so one is installed around each parse, and it keeps the first error, which
        // is the cause (later ones are consequences).
        let firstError = FirstXMLError()
        xmlSetStructuredErrorFunc(Unmanaged.passUnretained(firstError).toOpaque(), { collector, error in
            guard let collector, let error else { return }
            Unmanaged<FirstXMLError>.fromOpaque(collector).takeUnretainedValue().record(error)
        })
        let parsed = xmlCtxtReadMemory(
            context, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count),
            file, nil, ParsedXML.options)
        xmlSetStructuredErrorFunc(nil, { _, _ in })
        let wellFormed = context.pointee.wellFormed != 0 && context.pointee.nsWellFormed != 0
        guard let parsed, wellFormed else {
            if let parsed { xmlFreeDoc(parsed) }
            let message = firstError.message ?? "unknown error"
            throw refuse(firstError.line, "malformed XML: \(message)")
        }
        document = parsed
        if let problem = ParsedXML.doctypeProblem(parsed) {
            xmlFreeDoc(parsed)
            throw refuse(ParsedXML.line(of: "<!DOCTYPE", in: bytes), problem)
        }
        guard let rootNode = xmlDocGetRootElement(parsed) else {
            xmlFreeDoc(parsed)
            throw refuse(nil, "no root element: expected a <domain> definition")
        }
        root = SourceElement(node: rootNode)
    }

    deinit { xmlFreeDoc(document) }

    /// The line where `text` first occurs in an ASCII-compatible encoding. The scan for
    /// `<!ENTITY` keeps an entity bomb from ever reaching the parser; `doctypeProblem` catches
    /// declarations in other encodings after parsing.
    private static func line(of text: String, in bytes: UnsafeRawBufferPointer) -> Int? {
        let marker = Array(text.utf8)
        var line = 1
        var index = 0
        let end = bytes.count - marker.count
        while index <= end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") {
                line += 1
            } else if byte == UInt8(ascii: "<") {
                var matches = true
                for offset in 1..<marker.count where bytes[index + offset] != marker[offset] {
                    matches = false
                    break
                }
                if matches { return line }
            }
            index += 1
        }
        return nil
    }

    private static func doctypeProblem(_ document: xmlDocPtr) -> String? {
        guard let subset = document.pointee.intSubset else { return nil }
        if subset.pointee.ExternalID != nil || subset.pointee.SystemID != nil {
            return "<!DOCTYPE>: external DTDs are not allowed in a domain definition"
        }
        var child = subset.pointee.children
        while let current = child {
            if current.pointee.type == XML_ENTITY_DECL {
                return "<!DOCTYPE>: entity declarations are not allowed in a domain definition"
            }
            child = current.pointee.next
        }
        return nil
    }
}

/// Keeps the first error libxml2 reports during one parse.
private final class FirstXMLError {
    private(set) var message: String?
    private(set) var line: Int?

    func record(_ error: xmlErrorPtr) {
        guard message == nil else { return }
        var text = error.pointee.message.map { String(cString: $0) } ?? "unknown error"
        while text.last == "\n" || text.last == " " { text.removeLast() }
        message = text
        line = error.pointee.line > 0 ? Int(error.pointee.line) : nil
    }
}
