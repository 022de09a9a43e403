// <console>: parse and format side by side.

extension Console {
    static func parse(_ element: SourceElement, context: inout ParseContext,
                      rootDeclarations: [PreservedAttribute]) -> Console? {
        context.checkAttributes(of: element, allowed: ["type"])
        let type = element.attribute("type") ?? "pty"
        guard type == "pty" else {
            context.report(element, "console type '\(type)' is not supported: a container's console is type 'pty'")
            return nil
        }
        var preserved: [PreservedElement] = []
        for child in element.children {
            if child.namespaceURI == nil && child.name != "target" && child.name != "alias" {
                context.reportUnexpectedChild(child, in: element, allowed: ["target", "alias"])
            } else {
                preserved.append(PreservedElement(copying: child, rootDeclarations: rootDeclarations))
            }
        }
        return Console(preserved: preserved)
    }

    func format(into writer: inout XMLWriter) {
        guard !preserved.isEmpty else { return writer.empty("console", [("type", "pty")]) }
        writer.open("console", [("type", "pty")])
        for element in preserved { element.format(into: &writer) }
        writer.close("console")
    }
}
