// <memtune>, <cputune>, <blkiotune>: parse and format side by side.

extension MemoryTune {
    static func parse(_ element: SourceElement, context: inout ParseContext, rootDeclarations: [PreservedAttribute]) -> MemoryTune {
        context.checkAttributes(of: element, allowed: [])
        var tune = MemoryTune()
        for child in element.children {
            guard child.namespaceURI == nil else {
                tune.preserved.append(PreservedElement(copying: child, rootDeclarations: rootDeclarations))
                continue
            }
            switch child.name {
            case "hard_limit": tune.hardLimit = MemoryAmount.parse(child, context: &context)
            case "soft_limit": tune.softLimit = MemoryAmount.parse(child, context: &context)
            case "swap_hard_limit": tune.swapHardLimit = MemoryAmount.parse(child, context: &context)
            case "min_guarantee": tune.preserved.append(PreservedElement(copying: child, rootDeclarations: rootDeclarations))
            default: context.reportUnexpectedChild(child, in: element, allowed: ["hard_limit", "soft_limit", "swap_hard_limit", "min_guarantee"])
            }
        }
        return tune
    }

    /// `<hard_limit unit='KiB'>N</hard_limit>`; libvirt's "unlimited" value is refused by name.
    func format(into writer: inout XMLWriter) {
        writer.open("memtune")
        for (name, amount) in [("hard_limit", hardLimit), ("soft_limit", softLimit)] {
            if let amount { writer.textElement(name, [("unit", "KiB")], text: String(amount.kibibytes)) }
        }
        for element in preserved where element.name == "min_guarantee" { element.format(into: &writer) }
        if let swapHardLimit { writer.textElement("swap_hard_limit", [("unit", "KiB")], text: String(swapHardLimit.kibibytes)) }
        for element in preserved where element.name != "min_guarantee" { element.format(into: &writer) }
        writer.close("memtune")
    }
}

extension CPUTune {
    static func parse(_ element: SourceElement, context: inout ParseContext, rootDeclarations: [PreservedAttribute]) -> CPUTune {
        context.checkAttributes(of: element, allowed: [])
        var tune = CPUTune()
        for child in element.children {
            guard child.namespaceURI == nil else {
                tune.preserved.append(PreservedElement(copying: child, rootDeclarations: rootDeclarations))
                continue
            }
            switch child.name {
            case "shares":
                context.checkAttributes(of: child, allowed: [])
                tune.shares = context.unsigned(child.text, of: child, named: "shares", as: UInt64.self, minimum: 2)
            case "period":
                context.checkAttributes(of: child, allowed: [])
                if let period = context.unsigned(child.text, of: child, named: "period", as: UInt64.self, minimum: 1000) {
                    if period > 1_000_000 { context.report(child, "period \(period) is above 1000000 µs") } else { tune.period = period }
                }
            case "quota":
                context.checkAttributes(of: child, allowed: [])
                let text = child.text.trimmingXMLWhitespace
                if let quota = Int64(text), quota == -1 || (1000...17_592_186_044_415).contains(quota) {
                    tune.quota = quota
                } else {
                    context.report(child, "quota '\(child.text)' is neither -1 nor 1000…17592186044415 µs")
                }
            default:
                tune.preserved.append(PreservedElement(copying: child, rootDeclarations: rootDeclarations))
            }
        }
        return tune
    }

    func format(into writer: inout XMLWriter) {
        writer.open("cputune")
        if let shares { writer.textElement("shares", text: String(shares)) }
        if let period { writer.textElement("period", text: String(period)) }
        if let quota { writer.textElement("quota", text: String(quota)) }
        for element in preserved { element.format(into: &writer) }
        writer.close("cputune")
    }
}

extension BlkioTune {
    static func parse(_ element: SourceElement, context: inout ParseContext, rootDeclarations: [PreservedAttribute]) -> BlkioTune {
        context.checkAttributes(of: element, allowed: [])
        var tune = BlkioTune()
        for child in element.children {
            if child.namespaceURI == nil && child.name == "weight" {
                context.checkAttributes(of: child, allowed: [])
                if let weight = context.unsigned(child.text, of: child, named: "weight", as: UInt32.self, minimum: 100) {
                    if weight > 1000 { context.report(child, "weight \(weight) is above 1000") } else { tune.weight = weight }
                }
            } else if child.namespaceURI != nil || child.name == "device" {
                tune.preserved.append(PreservedElement(copying: child, rootDeclarations: rootDeclarations))
            } else {
                context.reportUnexpectedChild(child, in: element, allowed: ["weight", "device"])
            }
        }
        return tune
    }

    func format(into writer: inout XMLWriter) {
        writer.open("blkiotune")
        if let weight { writer.textElement("weight", text: String(weight)) }
        for element in preserved { element.format(into: &writer) }
        writer.close("blkiotune")
    }
}

extension MemoryAmount {
    /// A memory element's number and `unit` (libvirt's units, KiB by default): `<memory>`,
    /// `<currentMemory>`, and the limits of `<memtune>`.
    static func parse(_ element: SourceElement, context: inout ParseContext) -> MemoryAmount? {
        context.checkAttributes(of: element, allowed: ["unit"])
        guard let value = context.unsigned(element.text, of: element, named: "value", as: UInt64.self, minimum: 1) else { return nil }
        let unit = element.attribute("unit")
        guard let amount = MemoryAmount(value: value, unit: unit) else {
            context.report(element, MemoryAmount.problem(value: String(value), unit: unit ?? "KiB", attribute: "unit"))
            return nil
        }
        return amount
    }
}
