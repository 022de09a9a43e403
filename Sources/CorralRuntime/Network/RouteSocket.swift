import CCorralSys
import CLibNL
import CorralDomain
import Glibc

/// A failed netlink request: the request, the interface it was about, libnl's reason.
public struct NetlinkError: Error, CustomStringConvertible {
    public let request: String
    public let subject: String
    public let code: Int32

    public var description: String {
        "netlink \(request) (\(subject)): \(String(cString: nl_geterror(code)))"
    }
}

/// An rtnetlink socket (libnl-route-3) in one network namespace: the host's, or a container's
/// (the socket is made while this thread is in that namespace, and stays bound to it).
final class RouteSocket {
    private let socket: OpaquePointer

    /// A socket in the calling thread's namespace, or in `namespace` (an nsfs descriptor).
    init(in namespace: OwnedDescriptor? = nil) throws {
        var home: OwnedDescriptor? = nil
        if let namespace {
            home = try OwnedDescriptor.open("/proc/thread-self/ns/net", O_RDONLY)
            guard corral_setns(namespace.rawValue, Int32(CLONE_NEWNET)) == 0 else { throw SystemCallError.last("setns", "the container's network namespace") }
        }
        defer {
            // Back home; failing would leave this thread in the container's namespace, so it
            // is fatal rather than ignorable.
            if let home, corral_setns(home.rawValue, Int32(CLONE_NEWNET)) != 0 {
                fatalError("setns back to the launcher's network namespace: \(errnoText(errno))")
            }
        }
        guard let socket = nl_socket_alloc() else { throw NetlinkError(request: "socket", subject: "rtnetlink", code: NLE_NOMEM) }
        let connected = nl_connect(socket, NETLINK_ROUTE)
        guard connected == 0 else {
            nl_socket_free(socket)
            throw NetlinkError(request: "connect", subject: "rtnetlink", code: connected)
        }
        self.socket = socket
    }

    deinit { nl_socket_free(socket) }

    /// What a request needs to know of a link.
    struct LinkInfo {
        let index: Int32
        let alias: String?
        /// Its kind ("veth", "bridge", …); nil for a physical device.
        let type: String?
        let mtu: Int
        let mac: MACAddress?
    }

    /// The link of that name, or nil when there is none.
    func link(named name: String) throws -> LinkInfo? {
        try link(index: 0, name: name)
    }

    /// The link of that index, or nil.
    func link(index: Int32) throws -> LinkInfo? {
        try link(index: index, name: nil)
    }

    private func link(index: Int32, name: String?) throws -> LinkInfo? {
        var link: OpaquePointer? = nil
        let result = rtnl_link_get_kernel(socket, index, name, &link)
        if result == -NLE_OBJ_NOTFOUND || result == -NLE_NODEV { return nil }
        guard result == 0, let link else { throw NetlinkError(request: "RTM_GETLINK", subject: name ?? "index \(index)", code: result) }
        defer { rtnl_link_put(link) }
        var mac: MACAddress? = nil
        if let address = rtnl_link_get_addr(link), nl_addr_get_len(address) == 6, let bytes = nl_addr_get_binary_addr(address) {
            mac = MACAddress(bytes: Array(UnsafeRawBufferPointer(start: bytes, count: 6)))
        }
        return LinkInfo(index: rtnl_link_get_ifindex(link), alias: rtnl_link_get_ifalias(link).map { String(cString: $0) },
                        type: rtnl_link_get_type(link).map { String(cString: $0) }, mtu: Int(rtnl_link_get_mtu(link)), mac: mac)
    }

    func deleteLink(named name: String) throws {
        guard let link = rtnl_link_alloc() else { throw NetlinkError(request: "RTM_DELLINK", subject: name, code: NLE_NOMEM) }
        defer { rtnl_link_put(link) }
        rtnl_link_set_name(link, name)
        let result = rtnl_link_delete(socket, link)
        // Gone meanwhile: its namespace's teardown got there first.
        guard result == 0 || result == -NLE_OBJ_NOTFOUND || result == -NLE_NODEV else {
            throw NetlinkError(request: "RTM_DELLINK", subject: name, code: result)
        }
    }

    /// One RTM_NEWLINK: the host end `host` (up, on `master` if any, with `alias`), and its peer
    /// `guest` created directly in the namespace `guestNamespace`, with `mac`; both with `mtu`
    /// if given. The peer is brought up afterwards, from its namespace: at creation the kernel
    /// opens it before the pair is linked, and veth refuses that (ENOTCONN).
    func createVeth(host: String, guest: String, guestNamespace: OwnedDescriptor, mac: MACAddress, mtu: Int?,
                    master: Int32?, alias: String) throws -> Int32 {
        let subject = "veth \(host) ↔ \(guest)"
        guard let link = rtnl_link_veth_alloc() else { throw NetlinkError(request: "RTM_NEWLINK", subject: subject, code: NLE_NOMEM) }
        defer { rtnl_link_put(link) }
        guard let peer = rtnl_link_veth_get_peer(link) else { throw NetlinkError(request: "RTM_NEWLINK", subject: subject, code: NLE_NOMEM) }
        defer { rtnl_link_put(peer) }
        rtnl_link_set_name(link, host)
        rtnl_link_set_flags(link, UInt32(IFF_UP))
        if let master { rtnl_link_set_master(link, master) }
        rtnl_link_set_name(peer, guest)
        rtnl_link_set_ns_fd(peer, guestNamespace.rawValue)
        if let mtu {
            rtnl_link_set_mtu(link, UInt32(mtu))
            rtnl_link_set_mtu(peer, UInt32(mtu))
        }
        try Self.setMAC(mac, of: peer, subject: subject)
        try add(link, subject: subject)
        // The kernel ignores IFLA_IFALIAS when it creates a link: set apart.
        guard let made = try self.link(named: host) else { throw NetlinkError(request: "RTM_GETLINK", subject: host, code: NLE_OBJ_NOTFOUND) }
        try change(index: made.index, request: "RTM_NEWLINK (alias)", subject: host) { rtnl_link_set_ifalias($0, alias) }
        return made.index
    }

    /// One RTM_NEWLINK: a macvlan `name` on the host device `parent` (an index in this
    /// socket's namespace), created directly in `namespace`, with `mac` and `mtu` if given.
    func createMacvlan(name: String, parent: Int32, parentName: String, mode: NetworkInterface.MacvlanMode,
                       namespace: OwnedDescriptor, mac: MACAddress, mtu: Int?) throws {
        let subject = "macvlan \(name) on \(parentName)"
        guard let link = rtnl_link_macvlan_alloc() else { throw NetlinkError(request: "RTM_NEWLINK", subject: subject, code: NLE_NOMEM) }
        defer { rtnl_link_put(link) }
        rtnl_link_set_name(link, name)
        rtnl_link_set_link(link, parent)
        let modeResult = rtnl_link_macvlan_set_mode(link, UInt32(rtnl_link_macvlan_str2mode(mode.rawValue)))
        guard modeResult == 0 else { throw NetlinkError(request: "RTM_NEWLINK", subject: subject, code: modeResult) }
        rtnl_link_set_ns_fd(link, namespace.rawValue)
        if let mtu { rtnl_link_set_mtu(link, UInt32(mtu)) }
        try Self.setMAC(mac, of: link, subject: subject)
        try add(link, subject: subject)
    }

    /// The link's MAC, in a request being built.
    private static func setMAC(_ mac: MACAddress, of link: OpaquePointer, subject: String) throws {
        guard let address = mac.bytes.withUnsafeBytes({ nl_addr_build(AF_LLC, $0.baseAddress, 6) }) else {
            throw NetlinkError(request: "RTM_NEWLINK", subject: subject, code: NLE_NOMEM)
        }
        defer { nl_addr_put(address) }
        rtnl_link_set_addr(link, address)
    }

    /// RTM_NEWLINK creating `link`, failing if a link of its name exists.
    private func add(_ link: OpaquePointer, subject: String) throws {
        let result = rtnl_link_add(socket, link, NLM_F_CREATE | NLM_F_EXCL)
        guard result == 0 else { throw NetlinkError(request: "RTM_NEWLINK", subject: subject, code: result) }
    }

    /// One RTM_NEWLINK: a bridge `name`, up; its index.
    func createBridge(_ name: String) throws -> Int32 {
        guard let link = rtnl_link_alloc() else { throw NetlinkError(request: "RTM_NEWLINK", subject: "bridge \(name)", code: NLE_NOMEM) }
        defer { rtnl_link_put(link) }
        let typed = rtnl_link_set_type(link, "bridge")
        guard typed == 0 else { throw NetlinkError(request: "RTM_NEWLINK", subject: "bridge \(name)", code: typed) }
        rtnl_link_set_name(link, name)
        rtnl_link_set_flags(link, UInt32(IFF_UP))
        try add(link, subject: "bridge \(name)")
        guard let made = try self.link(named: name) else { throw NetlinkError(request: "RTM_GETLINK", subject: name, code: NLE_OBJ_NOTFOUND) }
        return made.index
    }

    /// RTM_NEWLINK on an existing link: moves it (by its index in this socket's namespace) into
    /// the namespace `target`, renamed to `name` when given.
    func moveLink(index: Int32, subject: String, to target: OwnedDescriptor, name: String? = nil, clearAlias: Bool = false,
                  restoring before: LinkInfo? = nil) throws {
        try change(index: index, request: "RTM_NEWLINK (netns)", subject: subject) { change in
            rtnl_link_set_ns_fd(change, target.rawValue)
            if let name { rtnl_link_set_name(change, name) }
            // An empty IFLA_IFALIAS removes the alias.
            if clearAlias { rtnl_link_set_ifalias(change, "") }
            // What the container may have changed: its MTU and MAC as they were.
            if let before {
                rtnl_link_set_mtu(change, UInt32(before.mtu))
                if let mac = before.mac { try Self.setMAC(mac, of: change, subject: subject) }
            }
        }
    }

    /// Sets the link up (IFF_UP).
    func setUp(index: Int32, name: String) throws {
        try change(index: index, request: "RTM_NEWLINK (up)", subject: name) { rtnl_link_set_flags($0, UInt32(IFF_UP)) }
    }

    /// One RTM_NEWLINK changing the existing link `index` as `configure` sets up the change.
    private func change(index: Int32, request: String, subject: String, _ configure: (OpaquePointer) throws -> Void) throws {
        guard let original = rtnl_link_alloc(), let change = rtnl_link_alloc() else {
            throw NetlinkError(request: request, subject: subject, code: NLE_NOMEM)
        }
        defer {
            rtnl_link_put(original)
            rtnl_link_put(change)
        }
        rtnl_link_set_ifindex(original, index)
        try configure(change)
        let result = rtnl_link_change(socket, original, change, 0)
        guard result == 0 else { throw NetlinkError(request: request, subject: subject, code: result) }
    }

    /// The link up (unless `up` is false), then its addresses and routes.
    func configure(index: Int32, name: String, up: Bool = true, addresses: [IPAssignment], routes: [IPRoute]) throws {
        if up { try setUp(index: index, name: name) }
        for address in addresses { try addAddress(address, index: index, name: name) }
        for route in routes { try addRoute(route, index: index, name: name) }
    }

    /// RTM_NEWADDR: `assignment` on the link `index`; IPv6 without duplicate address detection,
    /// so the address is usable at once rather than after DAD's seconds.
    func addAddress(_ assignment: IPAssignment, index: Int32, name: String) throws {
        let subject = "\(assignment.address)/\(assignment.prefix) on \(name)"
        guard let address = rtnl_addr_alloc() else { throw NetlinkError(request: "RTM_NEWADDR", subject: subject, code: NLE_NOMEM) }
        defer { rtnl_addr_put(address) }
        let local = try Self.address(assignment.address, prefix: assignment.prefix, subject: subject)
        defer { nl_addr_put(local) }
        rtnl_addr_set_ifindex(address, index)
        _ = rtnl_addr_set_local(address, local)  // only fails for a family mismatch, impossible here
        if let peerAddress = assignment.peer {
            let peer = try Self.address(peerAddress, prefix: assignment.prefix, subject: subject)
            defer { nl_addr_put(peer) }
            _ = rtnl_addr_set_peer(address, peer)
        }
        if assignment.address.family == .ipv6 { rtnl_addr_set_flags(address, UInt32(IFA_F_NODAD)) }
        let result = rtnl_addr_add(socket, address, 0)
        guard result == 0 else { throw NetlinkError(request: "RTM_NEWADDR", subject: subject, code: result) }
    }

    /// RTM_NEWROUTE: `route` through the link `index`.
    func addRoute(_ route: IPRoute, index: Int32, name: String) throws {
        let subject = "\(route.destination)/\(route.prefix) via \(route.gateway) on \(name)"
        guard let entry = rtnl_route_alloc(), let hop = rtnl_route_nh_alloc() else {
            throw NetlinkError(request: "RTM_NEWROUTE", subject: subject, code: NLE_NOMEM)
        }
        defer { rtnl_route_put(entry) }
        let destination = try Self.address(route.destination, prefix: route.prefix, subject: subject)
        defer { nl_addr_put(destination) }
        let gateway = try Self.address(route.gateway, prefix: route.gateway.maximumPrefix, subject: subject)
        defer { nl_addr_put(gateway) }
        _ = rtnl_route_set_family(entry, UInt8(route.destination.family == .ipv4 ? AF_INET : AF_INET6))
        _ = rtnl_route_set_dst(entry, destination)
        if let metric = route.metric { rtnl_route_set_priority(entry, UInt32(metric)) }
        rtnl_route_nh_set_ifindex(hop, index)
        rtnl_route_nh_set_gateway(hop, gateway)
        rtnl_route_add_nexthop(entry, hop)  // the route owns the hop from here
        let result = rtnl_route_add(socket, entry, NLM_F_CREATE | NLM_F_EXCL)
        guard result == 0 else { throw NetlinkError(request: "RTM_NEWROUTE", subject: subject, code: result) }
    }

    private static func address(_ address: IPAddress, prefix: Int, subject: String) throws -> OpaquePointer {
        let family = address.family == .ipv4 ? AF_INET : AF_INET6
        guard let built = address.bytes.withUnsafeBytes({ nl_addr_build(family, $0.baseAddress, $0.count) }) else {
            throw NetlinkError(request: "nl_addr_build", subject: subject, code: NLE_NOMEM)
        }
        nl_addr_set_prefixlen(built, Int32(prefix))
        return built
    }
}
