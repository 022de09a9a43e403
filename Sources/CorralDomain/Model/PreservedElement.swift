/// An element Corral does not model, kept as written so formatting loses nothing.
/// Comments and processing instructions are not kept (libvirt drops them too).
public struct PreservedElement: Sendable, Equatable {
    /// The qualified name as written (`lxc:namespace`).
    public var name: String
    /// `xmlns` / `xmlns:p` declarations this element needs, first in the output.
    public var namespaceDeclarations: [PreservedAttribute]
    public var attributes: [PreservedAttribute]
    public var children: [PreservedContent]
    /// Where it stood in its file, for the runtime's "not supported" error. Not part of
    /// equality: moving an element does not change the container.
    public var line: Int

    public init(name: String, namespaceDeclarations: [PreservedAttribute] = [],
                attributes: [PreservedAttribute] = [], children: [PreservedContent] = [], line: Int = 0) {
        self.name = name
        self.namespaceDeclarations = namespaceDeclarations
        self.attributes = attributes
        self.children = children
        self.line = line
    }

    public static func == (lhs: PreservedElement, rhs: PreservedElement) -> Bool {
        lhs.name == rhs.name && lhs.namespaceDeclarations == rhs.namespaceDeclarations
            && lhs.attributes == rhs.attributes && lhs.children == rhs.children
    }

    /// The value of an unqualified attribute.
    public func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }
}

/// A child of a preserved element.
public enum PreservedContent: Sendable, Equatable {
    case element(PreservedElement)
    /// Text: exact in a text-only element, trimmed between child elements.
    case text(String)
}

/// A qualified attribute name and its value.
public struct PreservedAttribute: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
