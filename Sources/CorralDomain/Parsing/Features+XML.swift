// <features> and <capabilities>: parse and format side by side.

extension Features {
    /// Features libvirt defines for containers that Corral keeps verbatim.
    private static let preservedFeatures: [String] = ["privnet"]

    static func parse(_ element: SourceElement, context: inout ParseContext,
                      rootDeclarations: [PreservedAttribute]) -> Features {
        context.checkAttributes(of: element, allowed: [])
        var features = Features()
        var sawCapabilities = false
        for child in element.children {
            if child.namespaceURI == nil && child.name == "capabilities" {
                if sawCapabilities { context.reportDuplicate(child, in: element) }
                sawCapabilities = true
                features.capabilities = CapabilityPolicy.parse(child, context: &context)
            } else if child.namespaceURI != nil || preservedFeatures.contains(child.name) {
                features.preserved.append(PreservedElement(copying: child, rootDeclarations: rootDeclarations))
            } else {
                context.report(child, "feature not supported for containers (expected <capabilities> or <privnet/>)")
            }
        }
        return features
    }

    func format(into writer: inout XMLWriter) {
        guard !isEmpty else { return }
        writer.open("features")
        for element in preserved { element.format(into: &writer) }
        capabilities?.format(into: &writer)
        writer.close("features")
    }
}

extension CapabilityPolicy {
    static func parse(_ element: SourceElement, context: inout ParseContext) -> CapabilityPolicy? {
        context.checkAttributes(of: element, allowed: ["policy"])
        var base: Base? = .default
        if let policy = element.attribute("policy") {
            base = context.choice(policy, of: element, named: "policy")
        }
        var overrides: [CapabilityOverride] = []
        var seen: Set<Int> = []
        for child in element.children {
            guard child.namespaceURI == nil, let capability = Capability(name: child.name) else {
                context.report(child, "not a capability libvirt knows (e.g. <sys_admin state='off'/>)")
                continue
            }
            context.checkAttributes(of: child, allowed: ["state"])
            guard seen.insert(capability.rawValue).inserted else {
                context.reportDuplicate(child, in: element)
                continue
            }
            guard let state = context.required("state", of: child, example: "on|off"),
                  let enabled = context.onOff(state, of: child, named: "state") else { continue }
            overrides.append(CapabilityOverride(capability: capability, enabled: enabled))
        }
        guard let base else { return nil }
        return CapabilityPolicy(base: base, overrides: overrides)
    }

    func format(into writer: inout XMLWriter) {
        guard !overrides.isEmpty else {
            return writer.empty("capabilities", [("policy", base.rawValue)])
        }
        writer.open("capabilities", [("policy", base.rawValue)])
        for override in overrides {
            writer.empty(override.capability.name, [("state", override.enabled ? "on" : "off")])
        }
        writer.close("capabilities")
    }
}
