// <devices>: parse; the formatter writes it in DomainFormatter.swift.

extension DomainParser {
    static func parseDevices(_ element: SourceElement, into domain: inout Domain, context: inout ParseContext,
                             rootDeclarations: [PreservedAttribute]) {
        context.checkAttributes(of: element, allowed: [])
        var targets: [ContainerPath: Int] = [:]
        for child in element.children {
            if child.namespaceURI == nil && child.name == "filesystem" {
                guard let filesystem = Filesystem.parse(child, context: &context, rootDeclarations: rootDeclarations)
                else { continue }
                if let firstLine = targets[filesystem.target] {
                    context.report(child, "target '\(filesystem.target)' is already used by the <filesystem> on line \(firstLine)")
                    continue
                }
                targets[filesystem.target] = child.line
                guard checkRoot(filesystem, child, context: &context) else { continue }
                domain.filesystems.append(filesystem)
            } else if child.namespaceURI == nil && child.name == "console" {
                // Each one is a pty its monitor holds: a file must not ask for thousands.
                if domain.consoles.count == Console.maximumCount {
                    context.report(child, "a container has at most \(Console.maximumCount) consoles (/dev/console and /dev/tty1 to /dev/tty\(Console.maximumCount - 1))")
                    continue
                }
                if let console = Console.parse(child, context: &context, rootDeclarations: rootDeclarations) {
                    domain.consoles.append(console)
                }
            } else if child.namespaceURI == nil && child.name == "interface",
                      NetworkInterface.realisedTypes.contains(child.attribute("type") ?? "") {
                if let interface = NetworkInterface.parse(child, context: &context) {
                    domain.interfaces.append(interface)
                }
                domain.preservedDevices.append(PreservedElement(copying: child, rootDeclarations: rootDeclarations))
            } else if child.namespaceURI == nil && child.name == "hostdev", child.attribute("mode") == "capabilities",
                      child.attribute("type") == "net" {
                if let nic = HostNIC.parse(child, context: &context) { domain.hostNICs.append(nic) }
                domain.preservedDevices.append(PreservedElement(copying: child, rootDeclarations: rootDeclarations))
            } else if child.namespaceURI != nil || LibvirtOrder.devices[child.name] != nil {
                domain.preservedDevices.append(PreservedElement(copying: child, rootDeclarations: rootDeclarations))
            } else {
                context.report(child, "unknown device")
            }
        }
        checkInterfaceNames(domain.interfaces, nics: domain.hostNICs, context: &context, element: element)
        domain.preservedDevices = LibvirtOrder.canonicalOrder(domain.preservedDevices, by: LibvirtOrder.devices)
    }

    /// Two interfaces of one container cannot share a host-side or a container-side name — also
    /// a default one (eth0, eth1, … by position) — and a host NIC cannot be given twice.
    private static func checkInterfaceNames(_ interfaces: [NetworkInterface], nics: [HostNIC], context: inout ParseContext, element: SourceElement) {
        let guestNames = interfaces.enumerated().map { $0.element.guestName ?? "eth\($0.offset)" } + nics.map(\.device)
        for (what, names) in [("<target dev>", interfaces.map(\.hostName)), ("container-side name", guestNames.map(Optional.some))] {
            var seen = NameSet()
            for name in names.compactMap({ $0 }) where !seen.insert(name) {
                context.report(element, "two interfaces have \(what) '\(name)'")
            }
        }
    }

    /// A `bind` source lives inside the container and a `ram` root would hold no init, so
    /// neither can provide `/`; a bind onto itself does nothing.
    private static func checkRoot(_ filesystem: Filesystem, _ element: SourceElement, context: inout ParseContext) -> Bool {
        switch filesystem.source {
        case .bind(let source) where filesystem.target.isRoot || source.isRoot:
            context.report(element, "a bind filesystem can neither be the root nor bind the root")
            return false
        case .bind(let source) where source == filesystem.target:
            context.report(element, "source and target are both '\(source)'")
            return false
        case .ram where filesystem.target.isRoot:
            context.report(element, "a ram filesystem cannot be the root: it would start empty, with no init")
            return false
        default:
            return true
        }
    }
}
