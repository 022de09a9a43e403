// A libvirt network definition, `<network>`: parsed with the same defences and the same
// FILE:LINE: error reporting as a domain. Elements Corral has no use for (`<uuid>`, `<mac>`,
// `<dns>`, `<domain>`, IPv6 `<ip>`, …) are accepted and ignored: libvirt writes them.

extension VirtualNetwork {
    /// A network's name names its file: letters, digits, '_', '-', '.', not starting with '.'.
    public static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 64, !name.hasPrefix(".") else { return false }
        return name.consists(ofLettersDigitsAnd: "_-.")
    }

    /// Reads and parses the network definition at `path`.
    public static func parse(contentsOf path: String) throws(DomainDiagnostics) -> VirtualNetwork {
        try DefinitionFile.parse(contentsOf: path, with: parse)
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer, file: String) throws(DomainDiagnostics) -> VirtualNetwork {
        let document = try ParsedXML(bytes: bytes, file: file)
        var context = ParseContext(file: file)
        let network = parseNetwork(document.root, context: &context)
        guard context.errors.isEmpty, let network else { throw DomainDiagnostics(context.allErrors) }
        return network
    }

    private static func parseNetwork(_ root: SourceElement, context: inout ParseContext) -> VirtualNetwork? {
        guard root.name == "network", root.namespaceURI == nil else {
            context.report(root, "the root element must be <network>")
            return nil
        }
        var name: String? = nil
        var bridge: String? = nil
        var network = VirtualNetwork(name: "", bridge: "")
        var sawIPv4 = false
        for child in root.children where child.namespaceURI == nil {
            switch child.name {
            case "name":
                let text = child.text.trimmingXMLWhitespace
                if !isValidName(text) { context.report(child, "'\(text)' cannot name a network (letters, digits, '_', '-', '.')") }
                name = text
            case "bridge":
                guard let value = child.attribute("name"), NetworkInterface.isValidName(value) else {
                    context.report(child, "name '\(child.attribute("name") ?? "")' cannot name a bridge")
                    continue
                }
                bridge = value
            case "forward":
                let mode = child.attribute("mode") ?? "nat"
                guard mode == "nat" else {
                    context.report(child, "forward mode '\(mode)' is not supported by Corral: 'nat', or no <forward> for an isolated network")
                    continue
                }
                network.natted = true
            case "ip":
                // The first IPv4 subnet is the one containers are addressed from.
                guard !sawIPv4, (child.attribute("family") ?? "ipv4") == "ipv4" else { continue }
                sawIPv4 = true
                parseSubnet(child, into: &network, context: &context)
            default:
                continue
            }
        }
        guard let name else {
            context.report(root, "missing <name>")
            return nil
        }
        guard let bridge else {
            context.report(root, "missing <bridge name='…'/>: Corral needs the network's bridge")
            return nil
        }
        network.name = name
        network.bridge = bridge
        return network
    }

    /// `<ip address netmask|prefix><dhcp><range/><host/></dhcp></ip>`.
    private static func parseSubnet(_ element: SourceElement, into network: inout VirtualNetwork, context: inout ParseContext) {
        guard let text = element.attribute("address"), let address = IPAddress(parsing: text), address.family == .ipv4 else {
            context.report(element, "address '\(element.attribute("address") ?? "")' is not an IPv4 address")
            return
        }
        if let prefix = element.attribute("prefix") {
            guard let value = Int(prefix), (1...30).contains(value) else {
                context.report(element, "prefix '\(prefix)' is not from 1 to 30")
                return
            }
            network.prefix = value
        } else if let netmask = element.attribute("netmask") {
            guard let mask = IPAddress(parsing: netmask)?.ipv4Number, mask != 0, (~mask &+ 1) & ~mask == 0 else {
                context.report(element, "netmask '\(netmask)' is not a contiguous IPv4 netmask")
                return
            }
            network.prefix = mask.nonzeroBitCount
        }
        network.address = address
        for dhcp in element.children where dhcp.namespaceURI == nil && dhcp.name == "dhcp" {
            for entry in dhcp.children where entry.namespaceURI == nil {
                switch entry.name {
                case "range":
                    guard let first = entry.attribute("start").flatMap(IPAddress.init(parsing:)),
                          let last = entry.attribute("end").flatMap(IPAddress.init(parsing:)),
                          network.contains(first), network.contains(last),
                          let low = first.ipv4Number, let high = last.ipv4Number, low <= high else {
                        context.report(entry, "start and end must be addresses of \(address)/\(network.prefix), start first")
                        continue
                    }
                    if network.range == nil { network.range = AddressRange(first: first, last: last) }
                case "host":
                    guard let ip = entry.attribute("ip").flatMap(IPAddress.init(parsing:)), network.contains(ip) else {
                        context.report(entry, "ip '\(entry.attribute("ip") ?? "")' is not an address of \(address)/\(network.prefix)")
                        continue
                    }
                    guard ip != address else {
                        context.report(entry, "ip '\(ip)' is the network's own address (the bridge's)")
                        continue
                    }
                    let mac = entry.attribute("mac").flatMap(MACAddress.init(parsing:))
                    if entry.attribute("mac") != nil && mac == nil { context.report(entry, "mac '\(entry.attribute("mac") ?? "")' is not a MAC address") }
                    network.reservations.append(Reservation(mac: mac, name: entry.attribute("name"), address: ip))
                default:
                    continue
                }
            }
        }
    }
}
