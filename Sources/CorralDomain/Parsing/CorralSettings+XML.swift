// <corral:container> in <metadata>: parse and format side by side.

extension CorralSettings {
    /// The prefix the formatter writes; readers match the namespace URI, not the prefix.
    static let prefix = "corral"

    static func parse(_ element: SourceElement, context: inout ParseContext) -> CorralSettings {
        context.checkAttributes(of: element, allowed: [])
        var settings = CorralSettings()
        var sawStop = false
        for child in element.children {
            guard child.namespaceURI == namespaceURI, child.name == "stop" else {
                context.reportUnexpectedChild(child, in: element, allowed: ["\(prefix):stop"])
                continue
            }
            if sawStop { context.reportDuplicate(child, in: element) }
            sawStop = true
            context.checkAttributes(of: child, allowed: ["signal", "timeout"])
            if let name = child.attribute("signal") {
                if let signal = Signal(parsing: name), signal.number != 19 {
                    settings.stopSignal = signal
                } else {
                    context.report(child, "signal '\(name)' is not a signal that can stop a container (e.g. SIGTERM, SIGRTMIN+3)")
                }
            }
            if let timeout = child.attribute("timeout") {
                settings.stopTimeoutSeconds = context.unsigned(timeout, of: child, named: "timeout", as: UInt32.self)
            }
        }
        return settings
    }

    func format(into writer: inout XMLWriter) {
        guard !isEmpty else { return }
        let name = CorralSettings.prefix + ":container"
        writer.open(name, [("xmlns:" + CorralSettings.prefix, CorralSettings.namespaceURI)])
        writer.empty(CorralSettings.prefix + ":stop",
                     [("signal", stopSignal?.description), ("timeout", stopTimeoutSeconds.map { String($0) })])
        writer.close(name)
    }
}
