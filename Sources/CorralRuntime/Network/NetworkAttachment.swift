import CorralDomain
import Glibc

/// What `<interface type='network'>` takes from its libvirt network (NETWORK_DIR/NAME.xml):
/// the bridge — created with the network's address when missing, left alone when present —
/// the container's address — its own `<ip>`, else a lease from the range — and, for
/// `<forward mode='nat'/>`, a default route via the network's address (unless the interface
/// gives its own) and its masquerade rule (NetworkNAT).
struct NetworkAttachment {
    let bridge: (index: Int32, mtu: Int)
    let addresses: [IPAssignment]
    let routes: [IPRoute]

    /// `nat`: told of a NATed network, which the container joined (its rule is kept while it runs).
    static func prepare(network name: String, container: String, initPID: pid_t, initStart: UInt64, interface: PlannedInterface,
                        paths: RuntimePaths,
                        host: RouteSocket, nat: (NetworkNAT) -> Void) throws -> NetworkAttachment {
        let network = try load(name, directory: paths.networkDirectory)
        let leases = AddressLeases(network: network.name, stateDirectory: paths.stateDirectory)
        return try leases.locked {
            let bridge = try bridge(of: network, host: host)
            if network.natted {
                let rule = NetworkNAT(network: network, leases: leases)
                try rule.join(container: container, initPID: initPID, initStart: initStart)
                nat(rule)
            }
            var addresses: [IPAssignment] = []
            if interface.definition.addresses.isEmpty {
                addresses.append(IPAssignment(address: try leases.lease(for: container, mac: interface.mac, on: network), prefix: network.prefix))
            }
            var routes: [IPRoute] = []
            let hasDefault = interface.definition.routes.contains { $0.prefix == 0 && $0.destination.family == .ipv4 }
            // An isolated network (no <forward>) leads nowhere: no default route.
            if network.natted, let gateway = network.address, !hasDefault {
                routes.append(IPRoute(destination: IPAddress(ipv4Number: 0), prefix: 0, gateway: gateway))
            }
            return NetworkAttachment(bridge: bridge, addresses: addresses, routes: routes)
        }
    }

    /// The network's definition; an error naming the file when there is none or it is invalid.
    static func load(_ name: String, directory: String) throws -> VirtualNetwork {
        let file = "\(directory)/\(name).xml"
        guard access(file, F_OK) == 0 else { throw RuntimeError("network '\(name)' is not defined (no \(file))") }
        let network: VirtualNetwork
        do {
            network = try VirtualNetwork.parse(contentsOf: file)
        } catch {
            throw RuntimeError("network '\(name)': \(error)")
        }
        guard network.name == name else { throw RuntimeError("network '\(name)': \(file) defines '\(network.name)'") }
        return network
    }

    /// The network's bridge; created, up and with the network's address, when missing.
    private static func bridge(of network: VirtualNetwork, host: RouteSocket) throws -> (index: Int32, mtu: Int) {
        if let existing = try host.link(named: network.bridge) {
            guard existing.type == "bridge" else { throw RuntimeError("network '\(network.name)': '\(network.bridge)' is not a bridge") }
            return (existing.index, existing.mtu)
        }
        let index = try host.createBridge(network.bridge)
        if let address = network.address {
            try host.addAddress(IPAssignment(address: address, prefix: network.prefix), index: index, name: network.bridge)
        }
        return (index, 1500)
    }
}
