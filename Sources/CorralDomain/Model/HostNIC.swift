/// `<hostdev mode='capabilities' type='net'>`: a host network device moved into the container
/// for its life, with the `<ip>` and `<route>` libvirt parses but never applies. The element is
/// also kept among the preserved devices, which the formatter writes back unchanged.
public struct HostNIC: Sendable, Equatable {
    /// `<source><interface>`: the device's name on the host.
    public var device: String
    public var addresses: [IPAssignment]
    public var routes: [IPRoute]
    /// The element's line, for errors at start; not part of equality.
    public var line: Int

    public init(device: String, addresses: [IPAssignment] = [], routes: [IPRoute] = [], line: Int = 0) {
        self.device = device
        self.addresses = addresses
        self.routes = routes
        self.line = line
    }

    public static func == (left: HostNIC, right: HostNIC) -> Bool {
        left.device == right.device && left.addresses == right.addresses && left.routes == right.routes
    }

    public static let label = "<hostdev mode='capabilities' type='net'>"

    /// Whether a preserved `<hostdev>` is one of these.
    public static func describes(_ element: PreservedElement) -> Bool {
        element.name == "hostdev" && element.attribute("mode") == "capabilities" && element.attribute("type") == "net"
    }
}
