// <hostdev mode='capabilities' type='net'>: <source><interface>NAME</interface></source>,
// then <ip> and <route> as in an <interface>.

extension HostNIC {
    static func parse(_ element: SourceElement, context: inout ParseContext) -> HostNIC? {
        let errorsBefore = context.errorCount
        context.checkAttributes(of: element, allowed: ["mode", "type", "managed"])
        var device: String? = nil
        var nic = HostNIC(device: "", line: element.line)
        for child in element.children where child.namespaceURI == nil {
            switch child.name {
            case "source":
                for entry in child.children where entry.namespaceURI == nil && entry.name == "interface" {
                    let name = entry.text.trimmingXMLWhitespace
                    guard NetworkInterface.isValidName(name) else {
                        context.report(entry, "'\(name)' cannot name a network interface (1 to 15 bytes, no '/', ':' or space)")
                        continue
                    }
                    device = name
                }
            case "ip":
                if let assignment = NetworkInterface.parseAssignment(child, context: &context) { nic.addresses.append(assignment) }
            case "route":
                if let route = NetworkInterface.parseRoute(child, context: &context) { nic.routes.append(route) }
            default:
                continue  // <alias>, <address>: device bookkeeping
            }
        }
        guard let device else {
            context.report(element, "missing <source><interface>NAME</interface></source>")
            return nil
        }
        nic.device = device
        return context.errorCount == errorsBefore ? nic : nil
    }
}
