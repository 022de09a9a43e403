// <interface type='bridge'|'ethernet'>: parsed into a NetworkInterface; the element itself is
// kept among the preserved devices, which the formatter writes back as it was.

extension NetworkInterface {
    /// Children that describe nothing a container's interface needs (guest hardware, device
    /// addressing): kept, ignored.
    private static let harmlessChildren: [String] = ["alias", "address", "model", "boot", "rom", "acpi"]

    static func parse(_ element: SourceElement, context: inout ParseContext) -> NetworkInterface? {
        let errorsBefore = context.errorCount
        context.checkAttributes(of: element, allowed: ["type", "trustGuestRxFilters"])
        let type = element.attribute("type") ?? ""
        var interface = NetworkInterface(kind: .ethernet, line: element.line)
        var bridge: String? = nil
        var sourceMode: String? = nil
        var seen = NameSet()
        for child in element.children {
            guard child.namespaceURI == nil else { continue }
            let once = ["source", "mac", "target", "guest", "mtu", "link"]
            if once.contains(child.name) {
                if seen.contains(child.name) { context.reportDuplicate(child, in: element); continue }
                seen.insert(child.name)
            }
            switch child.name {
            case "source":
                let attributes: [String: [String]] = ["bridge": ["bridge"], "direct": ["dev", "mode"], "network": ["network", "portgroup"]]
                context.checkAttributes(of: child, allowed: attributes[type] ?? [])
                bridge = child.attribute(type == "direct" ? "dev" : type == "network" ? "network" : "bridge")
                sourceMode = child.attribute("mode")
                // type='ethernet': the host end's own addresses and routes.
                for entry in child.children where entry.namespaceURI == nil && type == "ethernet" {
                    switch entry.name {
                    case "ip": if let assignment = parseAssignment(entry, context: &context) { interface.hostAddresses.append(assignment) }
                    case "route": if let route = parseRoute(entry, context: &context) { interface.hostRoutes.append(route) }
                    default: context.reportUnexpectedChild(entry, in: child, allowed: ["ip", "route"])
                    }
                }
            case "mac":
                context.checkAttributes(of: child, allowed: ["address", "type", "check"])
                guard let text = child.attribute("address") else { context.report(child, "missing address='…'"); continue }
                guard let mac = MACAddress(parsing: text) else {
                    context.report(child, "'\(text)' is not a MAC address (six hex pairs, as 52:54:00:0a:0b:0c)")
                    continue
                }
                if mac.isMulticast { context.report(child, "'\(text)' is a multicast address; an interface needs a unicast one") }
                if mac.bytes.allSatisfy({ $0 == 0 }) { context.report(child, "'\(text)' is the all-zero address; an interface needs a real one") }
                interface.mac = mac
            case "target", "guest":
                context.checkAttributes(of: child, allowed: child.name == "target" ? ["dev", "managed"] : ["dev", "actual"])
                guard let name = child.attribute("dev") else { continue }
                guard NetworkInterface.isValidName(name) else {
                    context.report(child, "'\(name)' cannot name a network interface (1 to 15 bytes, no '/', ':' or space)")
                    continue
                }
                if child.name == "guest" && name == "lo" {
                    context.report(child, "'lo' is the container's loopback interface already")
                    continue
                }
                if child.name == "target" { interface.hostName = name } else { interface.guestName = name }
            case "mtu":
                context.checkAttributes(of: child, allowed: ["size"])
                guard let text = child.attribute("size"), let size = Int(text), (68...65535).contains(size) else {
                    context.report(child, "size '\(child.attribute("size") ?? "")' is not an MTU from 68 to 65535")
                    continue
                }
                interface.mtu = size
            case "link":
                context.checkAttributes(of: child, allowed: ["state"])
                switch child.attribute("state") {
                case "up", nil: interface.linkUp = true
                case "down": interface.linkUp = false
                case let other?: context.report(child, "state '\(other)' is not 'up' or 'down'")
                }
            case "ip":
                if let assignment = parseAssignment(child, context: &context) { interface.addresses.append(assignment) }
            case "route":
                if let route = parseRoute(child, context: &context) { interface.routes.append(route) }
            case let name where harmlessChildren.contains(name):
                break
            default:
                interface.unsupported.append(PreservedElement(copying: child, rootDeclarations: []))
            }
        }
        switch type {
        case "bridge":
            guard let bridge, NetworkInterface.isValidName(bridge) else {
                context.report(element, bridge == nil ? "missing <source bridge='…'/>" : "'\(bridge ?? "")' cannot name a bridge")
                return nil
            }
            interface.kind = .bridge(bridge)
        case "network":
            guard let network = bridge, VirtualNetwork.isValidName(network) else {
                context.report(element, bridge == nil ? "missing <source network='…'/>" : "'\(bridge ?? "")' cannot name a network (letters, digits, '_', '-', '.')")
                return nil
            }
            interface.kind = .network(network)
        case "direct":
            guard let device = bridge, NetworkInterface.isValidName(device) else {
                context.report(element, bridge == nil ? "missing <source dev='…'/>" : "'\(bridge ?? "")' cannot name a network interface")
                return nil
            }
            // libvirt's names; the kernel calls passthrough "passthru".
            let modes: [String: MacvlanMode] = ["vepa": .vepa, "bridge": .bridge, "private": .private, "passthrough": .passthrough]
            guard let mode = modes[sourceMode ?? "vepa"] else {
                context.report(element, "source mode '\(sourceMode ?? "")' is not one of 'vepa', 'bridge', 'private', 'passthrough'")
                return nil
            }
            interface.kind = .direct(device: device, mode: mode)
        default:
            interface.kind = .ethernet
        }
        return context.errorCount == errorsBefore ? interface : nil
    }

    /// `<ip address prefix family peer>`; a missing prefix is the address class's (libvirt's rule).
    static func parseAssignment(_ element: SourceElement, context: inout ParseContext) -> IPAssignment? {
        context.checkAttributes(of: element, allowed: ["address", "prefix", "family", "peer"])
        guard let address = address(element, "address", context: &context) else { return nil }
        guard familyMatches(address, element, context: &context),
              let prefix = prefix(element, for: address, context: &context) else { return nil }
        // An interface's own address: not unspecified, loopback or multicast, in a subnet.
        let unspecified = address.bytes.allSatisfy { $0 == 0 }
        let loopback = address.family == .ipv4 ? address.bytes[0] == 127 : address.bytes.dropLast().allSatisfy { $0 == 0 } && address.bytes[15] == 1
        let multicast = address.family == .ipv4 ? (224...239).contains(address.bytes[0]) : address.bytes[0] == 0xFF
        guard !unspecified, !loopback, !multicast else {
            context.report(element, "'\(address)' is \(unspecified ? "the unspecified" : loopback ? "a loopback" : "a multicast") address, not one an interface can have")
            return nil
        }
        guard prefix > 0 else {
            context.report(element, "prefix 0 would make every address this interface's; give the subnet's prefix")
            return nil
        }
        var peer: IPAddress? = nil
        if element.attribute("peer") != nil {
            guard let parsed = self.address(element, "peer", context: &context) else { return nil }
            guard parsed.family == address.family else {
                context.report(element, "peer '\(parsed)' is not of the address's family")
                return nil
            }
            peer = parsed
        }
        return IPAssignment(address: address, prefix: prefix, peer: peer)
    }

    /// `<route family address prefix gateway metric>`.
    static func parseRoute(_ element: SourceElement, context: inout ParseContext) -> IPRoute? {
        context.checkAttributes(of: element, allowed: ["family", "address", "prefix", "netmask", "gateway", "metric"])
        guard let destination = address(element, "address", context: &context),
              let gateway = address(element, "gateway", context: &context) else { return nil }
        guard familyMatches(destination, element, context: &context) else { return nil }
        guard gateway.family == destination.family else {
            context.report(element, "gateway '\(gateway)' is not of the address's family")
            return nil
        }
        guard element.attribute("netmask") == nil else {
            context.report(element, "netmask is not supported; give prefix='…'")
            return nil
        }
        guard let prefix = prefix(element, for: destination, context: &context) else { return nil }
        let subnet = destination.withHostBits(prefix: prefix, set: false)
        guard destination == subnet else {
            context.report(element, "address '\(destination)' has bits set past its prefix /\(prefix); did you mean \(subnet)/\(prefix)?")
            return nil
        }
        var metric: Int? = nil
        if let text = element.attribute("metric") {
            guard let value = Int(text), value >= 0, value <= Int(UInt32.max) else {
                context.report(element, "metric '\(text)' is not a number from 0 to 4294967295")
                return nil
            }
            metric = value
        }
        return IPRoute(destination: destination, prefix: prefix, gateway: gateway, metric: metric)
    }

    private static func address(_ element: SourceElement, _ attribute: String, context: inout ParseContext) -> IPAddress? {
        guard let text = element.attribute(attribute) else {
            context.report(element, "missing \(attribute)='…'")
            return nil
        }
        guard let address = IPAddress(parsing: text) else {
            context.report(element, "\(attribute) '\(text)' is not an IPv4 or IPv6 address")
            return nil
        }
        return address
    }

    private static func familyMatches(_ address: IPAddress, _ element: SourceElement, context: inout ParseContext) -> Bool {
        guard let family = element.attribute("family") else { return true }
        guard family == address.family.rawValue else {
            context.report(element, family == "ipv4" || family == "ipv6"
                ? "family '\(family)' does not match the address '\(address)'" : "family '\(family)' is not 'ipv4' or 'ipv6'")
            return false
        }
        return true
    }

    private static func prefix(_ element: SourceElement, for address: IPAddress, context: inout ParseContext) -> Int? {
        guard let text = element.attribute("prefix") else {
            guard let byClass = classPrefix(address) else {
                context.report(element, "'\(address)' has no address class to take a prefix from; give prefix='…'")
                return nil
            }
            return byClass
        }
        guard let prefix = Int(text), (0...address.maximumPrefix).contains(prefix) else {
            context.report(element, "prefix '\(text)' is not from 0 to \(address.maximumPrefix)")
            return nil
        }
        return prefix
    }

    /// libvirt's default prefix: 0 for the unspecified address, the IPv4 class (A 8, B 16,
    /// C 24), 64 for IPv6.
    private static func classPrefix(_ address: IPAddress) -> Int? {
        if address.bytes.allSatisfy({ $0 == 0 }) { return 0 }
        guard address.family == .ipv4 else { return 64 }
        switch address.bytes[0] {
        case 0..<128: return 8
        case 128..<192: return 16
        case 192..<224: return 24
        default: return nil
        }
    }
}
