/// A libvirt network definition (`<network>`, from the network directory) as far as Corral
/// uses it for `<interface type='network'>`: its bridge, its IPv4 subnet and the address the
/// host has on it, where containers' addresses come from, and whether it is NATed.
public struct VirtualNetwork: Sendable, Equatable {
    public var name: String
    /// `<bridge name>`: created (with `address`) when missing, left alone when present.
    public var bridge: String
    /// `<forward mode='nat'>` (or `<forward/>`, libvirt's default mode); none = isolated.
    public var natted: Bool
    /// `<ip address>`: the host's address on the bridge, and the containers' gateway.
    public var address: IPAddress?
    /// `<ip prefix>` or `netmask`.
    public var prefix: Int
    /// `<dhcp><range start end>`: the addresses Corral assigns.
    public var range: AddressRange?
    /// `<dhcp><host mac name ip>`: reservations.
    public var reservations: [Reservation]

    public struct AddressRange: Sendable, Equatable {
        public var first: IPAddress
        public var last: IPAddress
    }

    public struct Reservation: Sendable, Equatable {
        public var mac: MACAddress?
        public var name: String?
        public var address: IPAddress
    }

    public init(name: String, bridge: String, natted: Bool = false, address: IPAddress? = nil, prefix: Int = 24,
                range: AddressRange? = nil, reservations: [Reservation] = []) {
        self.name = name
        self.bridge = bridge
        self.natted = natted
        self.address = address
        self.prefix = prefix
        self.range = range
        self.reservations = reservations
    }

    /// Whether `candidate` is in the network's subnet.
    public func contains(_ candidate: IPAddress) -> Bool {
        guard let address, candidate.family == address.family else { return false }
        return IPAddress.sameSubnet(candidate, address, prefix: prefix)
    }
}

extension IPAddress {
    /// Whether `left` and `right` agree in their first `prefix` bits.
    public static func sameSubnet(_ left: IPAddress, _ right: IPAddress, prefix: Int) -> Bool {
        left.family == right.family && left.withHostBits(prefix: prefix, set: false) == right.withHostBits(prefix: prefix, set: false)
    }

    /// This address with every bit past `prefix` cleared (its subnet's own address) or set
    /// (the subnet's broadcast address).
    public func withHostBits(prefix: Int, set: Bool) -> IPAddress {
        var copy = self
        for index in 0..<bytes.count {
            let bits = max(0, min(8, prefix - index * 8))
            let mask: UInt8 = bits == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            copy.bytes[index] = set ? bytes[index] | ~mask : bytes[index] & mask
        }
        return copy
    }

    /// An IPv4 address as a number, for ranges.
    public var ipv4Number: UInt32? {
        guard family == .ipv4 else { return nil }
        return bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    public init(ipv4Number number: UInt32) {
        self.init(ipv4: [UInt8(number >> 24), UInt8(truncatingIfNeeded: number >> 16), UInt8(truncatingIfNeeded: number >> 8),
                         UInt8(truncatingIfNeeded: number)])
    }
}
