import Glibc

/// `<interface type='bridge'>` and `<interface type='ethernet'>`: a veth pair whose container
/// end is configured before init runs. The element itself is also kept verbatim among the
/// preserved devices, so formatting writes it back unchanged.
public struct NetworkInterface: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The host end joins this bridge.
        case bridge(String)
        /// The host end stays on no bridge.
        case ethernet
        /// A macvlan on the host device, in the container (no host end).
        case direct(device: String, mode: MacvlanMode)
        /// A veth pair on a libvirt network's bridge (from the network directory), addressed
        /// from its range.
        case network(String)
    }

    /// `<source mode>` of a direct interface: the macvlan mode; libvirt's default is vepa.
    public enum MacvlanMode: String, Sendable, CaseIterable {
        case vepa, bridge, `private`, passthrough = "passthru"
    }

    /// The types Corral realises; other `<interface>` types refuse the start.
    public static let realisedTypes: [String] = ["bridge", "ethernet", "direct", "network"]

    public var kind: Kind
    /// `<mac address>`: the container end's; nil = derived from the container's name.
    public var mac: MACAddress?
    /// `<target dev>`: the host end's name; nil = derived from the container's name.
    public var hostName: String?
    /// `<guest dev>`: the container end's name; nil = eth0, eth1, … by position.
    public var guestName: String?
    /// `<mtu size>`, both ends; nil = the bridge's (or the kernel's default).
    public var mtu: Int?
    /// `<link state>`: up unless 'down'.
    public var linkUp: Bool
    /// `<ip>`: the container end's addresses.
    public var addresses: [IPAssignment]
    /// `<route>`: the container's routes through this interface.
    public var routes: [IPRoute]
    /// `type='ethernet'`: `<source><ip>` and `<source><route>`, set on the host end (libvirt's
    /// place for host-side addresses).
    public var hostAddresses: [IPAssignment] = []
    public var hostRoutes: [IPRoute] = []
    /// Children Corral cannot honour yet (`<bandwidth>`, `<vlan>`, …): they refuse the start.
    public var unsupported: [PreservedElement]
    /// The element's line, for errors at start ("web.xml:9: …"); not part of equality.
    public var line: Int

    public init(kind: Kind, mac: MACAddress? = nil, hostName: String? = nil, guestName: String? = nil, mtu: Int? = nil,
                linkUp: Bool = true, addresses: [IPAssignment] = [], routes: [IPRoute] = [],
                unsupported: [PreservedElement] = [], line: Int = 0) {
        self.kind = kind
        self.mac = mac
        self.hostName = hostName
        self.guestName = guestName
        self.mtu = mtu
        self.linkUp = linkUp
        self.addresses = addresses
        self.routes = routes
        self.unsupported = unsupported
        self.line = line
    }

    public static func == (left: NetworkInterface, right: NetworkInterface) -> Bool {
        left.kind == right.kind && left.mac == right.mac && left.hostName == right.hostName && left.guestName == right.guestName
            && left.mtu == right.mtu && left.linkUp == right.linkUp && left.addresses == right.addresses
            && left.routes == right.routes && left.unsupported == right.unsupported
            && left.hostAddresses == right.hostAddresses && left.hostRoutes == right.hostRoutes
    }

    /// The label errors use: `<interface type='bridge'>`.
    public var label: String {
        switch kind {
        case .bridge: "<interface type='bridge'>"
        case .ethernet: "<interface type='ethernet'>"
        case .direct: "<interface type='direct'>"
        case .network: "<interface type='network'>"
        }
    }

    /// Whether `name` can name a network interface: 1 to 15 bytes (IFNAMSIZ - 1), no '/', ':',
    /// whitespace or control character, and not `.` or `..` (the kernel's dev_valid_name).
    public static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...15).contains(bytes.count), name != ".", name != ".." else { return false }
        return !bytes.contains { $0 <= 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ":") }
    }
}

/// An Ethernet address, six bytes.
public struct MACAddress: Sendable, Equatable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// From "52:54:00:0a:0b:0c"; nil when malformed.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard part.count == 2, let byte = UInt8(part, radix: 16) else { return nil }
            bytes.append(byte)
        }
        self.bytes = bytes
    }

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// A group address (the lowest bit of the first byte) cannot be an interface's own.
    public var isMulticast: Bool { bytes[0] & 1 == 1 }

    public var description: String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
    }
}

/// An IPv4 or IPv6 address in its text form, checked by inet_pton.
public struct IPAddress: Sendable, Equatable, CustomStringConvertible {
    public enum Family: String, Sendable { case ipv4, ipv6 }
    public let family: Family
    /// 4 or 16 bytes, network order.
    public internal(set) var bytes: [UInt8]

    /// Four bytes, network order.
    public init(ipv4 bytes: [UInt8]) {
        family = .ipv4
        self.bytes = bytes
    }

    public init?(parsing text: String) {
        var buffer = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET, text, &buffer) == 1 {
            family = .ipv4
            bytes = Array(buffer.prefix(4))
        } else if inet_pton(AF_INET6, text, &buffer) == 1 {
            family = .ipv6
            bytes = buffer
        } else {
            return nil
        }
    }

    public var maximumPrefix: Int { family == .ipv4 ? 32 : 128 }

    public var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        // Cannot fail: the family is right and the buffer holds any address.
        _ = inet_ntop(family == .ipv4 ? AF_INET : AF_INET6, bytes, &text, socklen_t(text.count))
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// `<ip address prefix peer>`.
public struct IPAssignment: Sendable, Equatable {
    public var address: IPAddress
    public var prefix: Int
    public var peer: IPAddress?

    public init(address: IPAddress, prefix: Int, peer: IPAddress? = nil) {
        self.address = address
        self.prefix = prefix
        self.peer = peer
    }
}

/// `<route address prefix gateway metric>`.
public struct IPRoute: Sendable, Equatable {
    public var destination: IPAddress
    public var prefix: Int
    public var gateway: IPAddress
    public var metric: Int?

    public init(destination: IPAddress, prefix: Int, gateway: IPAddress, metric: Int? = nil) {
        self.destination = destination
        self.prefix = prefix
        self.gateway = gateway
        self.metric = metric
    }
}
