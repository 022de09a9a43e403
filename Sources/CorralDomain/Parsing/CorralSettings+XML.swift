// <corral:container> in <metadata>: parse and format side by side.

extension CorralSettings {
    /// The prefix the formatter writes; readers match the namespace URI, not the prefix.
    static let prefix = "corral"

    static func parse(_ element: SourceElement, context: inout ParseContext) -> CorralSettings {
        context.checkAttributes(of: element, allowed: [])
        var settings = CorralSettings()
        var seen = NameSet()
        for child in element.children {
            let children = ["stop", "seccomp", "no_new_privileges", "pids"]
            guard child.namespaceURI == namespaceURI, children.contains(child.name) else {
                context.reportUnexpectedChild(child, in: element, allowed: children.map { "\(prefix):\($0)" })
                continue
            }
            if !seen.insert(child.name) { context.reportDuplicate(child, in: element) }
            switch child.name {
            case "seccomp": settings.seccomp = parseSeccomp(child, context: &context)
            case "no_new_privileges": settings.noNewPrivileges = parseState(child, context: &context)
            case "pids":
                context.checkAttributes(of: child, allowed: ["max"])
                if let max = context.required("max", of: child, example: "512") {
                    settings.pidsLimit = context.unsigned(max, of: child, named: "max", as: UInt32.self, minimum: 1)
                }
            default: parseStop(child, into: &settings, context: &context)
            }
        }
        return settings
    }

    private static func parseState(_ element: SourceElement, context: inout ParseContext) -> Bool? {
        context.checkAttributes(of: element, allowed: ["state"])
        return context.required("state", of: element, example: "off").flatMap { context.onOff($0, of: element, named: "state") }
    }

    private static func parseStop(_ child: SourceElement, into settings: inout CorralSettings, context: inout ParseContext) {
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

    private static func parseSeccomp(_ element: SourceElement, context: inout ParseContext) -> SeccompSettings {
        context.checkAttributes(of: element, allowed: ["filter"])
        let enabled = element.attribute("filter").map { context.onOff($0, of: element, named: "filter") ?? true } ?? true
        var lists: [String: [String]] = ["deny": [], "allow": []]
        for child in element.children {
            guard child.namespaceURI == namespaceURI, child.name == "deny" || child.name == "allow" else {
                context.reportUnexpectedChild(child, in: element, allowed: ["\(prefix):deny", "\(prefix):allow"])
                continue
            }
            context.checkAttributes(of: child, allowed: ["syscall"])
            guard let name = context.required("syscall", of: child, example: "ptrace") else { continue }
            guard !name.isEmpty, name.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }) else {
                context.report(child, "syscall '\(name)' is not a system call name")
                continue
            }
            guard !(lists["deny", default: []] + lists["allow", default: []]).contains(name) else {
                context.report(child, "syscall '\(name)' is named twice")
                continue
            }
            lists[child.name, default: []].append(name)
        }
        if !enabled && !(lists["deny", default: []] + lists["allow", default: []]).isEmpty {
            context.report(element, "filter='off' takes no <\(prefix):deny> or <\(prefix):allow>")
        }
        return SeccompSettings(enabled: enabled, deny: lists["deny", default: []], allow: lists["allow", default: []])
    }

    func format(into writer: inout XMLWriter) {
        guard !isEmpty else { return }
        let name = CorralSettings.prefix + ":container"
        writer.open(name, [("xmlns:" + CorralSettings.prefix, CorralSettings.namespaceURI)])
        if stopSignal != nil || stopTimeoutSeconds != nil {
            writer.empty(CorralSettings.prefix + ":stop",
                         [("signal", stopSignal?.description), ("timeout", stopTimeoutSeconds.map { String($0) })])
        }
        if !seccomp.isDefault {
            let seccompName = CorralSettings.prefix + ":seccomp"
            let attributes = [("filter", seccomp.enabled ? nil : Optional("off"))]
            if seccomp.deny.isEmpty && seccomp.allow.isEmpty {
                writer.empty(seccompName, attributes)
            } else {
                writer.open(seccompName, attributes)
                for syscall in seccomp.deny { writer.empty(CorralSettings.prefix + ":deny", [("syscall", syscall)]) }
                for syscall in seccomp.allow { writer.empty(CorralSettings.prefix + ":allow", [("syscall", syscall)]) }
                writer.close(seccompName)
            }
        }
        if let noNewPrivileges {
            writer.empty(CorralSettings.prefix + ":no_new_privileges", [("state", noNewPrivileges ? "on" : "off")])
        }
        if let pidsLimit { writer.empty(CorralSettings.prefix + ":pids", [("max", String(pidsLimit))]) }
        writer.close(name)
    }
}
