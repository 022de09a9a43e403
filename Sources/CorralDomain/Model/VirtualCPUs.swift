/// `<vcpu placement='static' cpuset='0-3' current='1'>2</vcpu>`.
public struct VirtualCPUs: Sendable, Hashable {
    public enum Placement: String, Sendable, CaseIterable { case `static`, auto }

    public var count: UInt32
    public var placement: Placement
    /// libvirt's cpuset syntax ("0-3,^2"), kept as written.
    public var cpuset: String?
    public var current: UInt32?

    public init(count: UInt32, placement: Placement = .static, cpuset: String? = nil, current: UInt32? = nil) {
        self.count = count
        self.placement = placement
        self.cpuset = cpuset
        self.current = current
    }
}
