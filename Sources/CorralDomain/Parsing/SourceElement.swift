internal import CLibXML2

/// A read-only view of one element of a parsed libxml2 tree. Valid only while the
/// `ParsedXML` that owns the tree is alive; nothing here copies the tree.
struct SourceElement {
    let node: xmlNodePtr

    /// The name without prefix.
    var name: String { String(cString: node.pointee.name) }

    /// The namespace URI, nil for libvirt's own (unqualified) elements.
    var namespaceURI: String? {
        guard let href = node.pointee.ns?.pointee.href else { return nil }
        return String(cString: href)
    }

    var prefix: String? {
        guard let prefix = node.pointee.ns?.pointee.prefix else { return nil }
        return String(cString: prefix)
    }

    /// The name as written, with its prefix.
    var qualifiedName: String {
        guard let prefix else { return name }
        return prefix + ":" + name
    }

    var line: Int { Int(xmlGetLineNo(node)) }

    /// How messages name this element: `<filesystem type='block'>`.
    var label: String {
        if let type = attribute("type") { return "<\(qualifiedName) type='\(type)'>" }
        return "<\(qualifiedName)>"
    }

    /// The value of the unqualified attribute `name`.
    func attribute(_ name: String) -> String? {
        var attribute = node.pointee.properties
        while let current = attribute {
            if current.pointee.ns == nil, String(cString: current.pointee.name) == name {
                return SourceElement.value(of: current)
            }
            attribute = current.pointee.next
        }
        return nil
    }

    /// Every attribute, namespace-qualified as written.
    var attributes: [SourceAttribute] {
        var result: [SourceAttribute] = []
        var attribute = node.pointee.properties
        while let current = attribute {
            let name = String(cString: current.pointee.name)
            var qualified = name
            var namespaceURI: String? = nil
            if let ns = current.pointee.ns {
                namespaceURI = ns.pointee.href.map { String(cString: $0) }
                if let prefix = ns.pointee.prefix { qualified = String(cString: prefix) + ":" + name }
            }
            result.append(SourceAttribute(
                name: name, qualifiedName: qualified, namespaceURI: namespaceURI,
                value: SourceElement.value(of: current)))
            attribute = current.pointee.next
        }
        return result
    }

    /// `xmlns` declarations made on this element.
    var namespaceDeclarations: [PreservedAttribute] {
        var result: [PreservedAttribute] = []
        var declaration = node.pointee.nsDef
        while let current = declaration {
            let href = current.pointee.href.map { String(cString: $0) } ?? ""
            if let prefix = current.pointee.prefix {
                result.append(PreservedAttribute(name: "xmlns:" + String(cString: prefix), value: href))
            } else {
                result.append(PreservedAttribute(name: "xmlns", value: href))
            }
            declaration = current.pointee.next
        }
        return result
    }

    /// Child elements in document order.
    var children: [SourceElement] {
        var result: [SourceElement] = []
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE { result.append(SourceElement(node: current)) }
            child = current.pointee.next
        }
        return result
    }

    /// The content of this element's text children, concatenated; libvirt reads element values
    /// the same way.
    var text: String {
        var result = ""
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_TEXT_NODE || current.pointee.type == XML_CDATA_SECTION_NODE,
               let content = current.pointee.content {
                result += String(cString: content)
            }
            child = current.pointee.next
        }
        return result
    }

    /// The nodes below this one, for copying verbatim.
    var contentNodes: [xmlNodePtr] {
        var result: [xmlNodePtr] = []
        var child = node.pointee.children
        while let current = child {
            result.append(current)
            child = current.pointee.next
        }
        return result
    }

    private static func value(of attribute: UnsafeMutablePointer<xmlAttr>) -> String {
        // A value is one text node, or several when character references split it.
        var result = ""
        var child = attribute.pointee.children
        while let current = child {
            if let content = current.pointee.content { result += String(cString: content) }
            child = current.pointee.next
        }
        return result
    }
}

/// One attribute of a `SourceElement`.
struct SourceAttribute {
    let name: String
    let qualifiedName: String
    let namespaceURI: String?
    let value: String
}
