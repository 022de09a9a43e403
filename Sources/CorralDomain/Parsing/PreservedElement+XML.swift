internal import CLibXML2

extension PreservedElement {
    /// Copies an element Corral does not model, with everything below it. Declarations of the
    /// namespaces it uses are copied onto it unless `<domain>` itself declares them (which
    /// the formatter writes back), so the copy stays well-formed wherever it is written.
    init(copying element: SourceElement, rootDeclarations: [PreservedAttribute]) {
        var declared = Set(rootDeclarations.map(\.name))
        self.init(copying: element, declared: &declared)
    }

    private init(copying element: SourceElement, declared: inout Set<String>) {
        var declarations = element.namespaceDeclarations
        let outerDeclared = declared
        defer { declared = outerDeclared }
        declared.formUnion(declarations.map(\.name))
        func declare(prefix: String?, uri: String?) {
            // The `xml` prefix is bound by XML itself and must not be declared again.
            guard let uri, prefix != "xml" else { return }
            let name = prefix.map { "xmlns:" + $0 } ?? "xmlns"
            if !declared.contains(name) {
                declarations.append(PreservedAttribute(name: name, value: uri))
                declared.insert(name)
            }
        }
        declare(prefix: element.prefix, uri: element.namespaceURI)
        let attributes = element.attributes
        for attribute in attributes where attribute.namespaceURI != nil {
            let prefix = attribute.qualifiedName.split(separator: ":").first.map(String.init)
            declare(prefix: prefix, uri: attribute.namespaceURI)
        }
        let nodes = element.contentNodes
        let hasElements = nodes.contains { $0.pointee.type == XML_ELEMENT_NODE }
        var children: [PreservedContent] = []
        for node in nodes {
            switch node.pointee.type {
            case XML_ELEMENT_NODE:
                children.append(.element(PreservedElement(copying: SourceElement(node: node), declared: &declared)))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                let text = node.pointee.content.map { String(cString: $0) } ?? ""
                // Between child elements only the words matter: indentation is the formatter's.
                let kept = hasElements ? text.trimmingXMLWhitespace : text
                if !kept.isEmpty { children.append(.text(kept)) }
            default:
                continue  // comments and processing instructions are not kept (as libvirt)
            }
        }
        self.init(
            name: element.qualifiedName, namespaceDeclarations: declarations,
            attributes: attributes.map { PreservedAttribute(name: $0.qualifiedName, value: $0.value) },
            children: children, line: element.line)
    }

    /// Writes the element back: same names, attributes and text, canonical indentation.
    func format(into writer: inout XMLWriter) {
        let allAttributes = namespaceDeclarations + attributes
        let pairs = allAttributes.map { ($0.name, Optional($0.value)) }
        let hasElements = children.contains { if case .element = $0 { true } else { false } }
        if children.isEmpty {
            writer.empty(name, pairs)
        } else if !hasElements {
            var text = ""
            for case .text(let part) in children { text += part }
            writer.textElement(name, pairs, text: text)
        } else {
            writer.open(name, pairs)
            for child in children {
                switch child {
                case .element(let element): element.format(into: &writer)
                case .text(let text): writer.textLine(text)
                }
            }
            writer.close(name)
        }
    }
}
