import CorralDomain
import Glibc

/// The container's interfaces, made between its init's clone and its exec (init waits): for
/// each `<interface>`, one veth pair whose container end is created directly in init's network
/// namespace (IFLA_NET_NS_FD, as LXC and nspawn do) — or for `direct`, a macvlan on the host
/// device, created there the same way — then its addresses and routes set from a socket in
/// that namespace. Nothing is deleted at stop: the namespace's end takes the pair
/// with it, and the next start of the container deletes a leftover host end it recognises.
enum ContainerNetwork {
    /// Configures every interface of `domain` for the init `pid`. Errors name the file, the
    /// element's line and what is wrong; the caller then kills init, which removes whatever
    /// was made here with its namespace.
    /// `container` is told of each NATed network it joined, to leave it at its end.
    static func configure(_ domain: Domain, file: String, container: LaunchedContainer, paths: RuntimePaths) throws {
        let pid = container.pid
        let planned = PlannedInterface.plan(domain)
        guard !planned.isEmpty || !domain.hostNICs.isEmpty else { return }
        let namespace = try OwnedDescriptor.open("/proc/\(pid)/ns/net", O_RDONLY)
        let host = try RouteSocket()
        var inside: [(interface: PlannedInterface, addresses: [IPAssignment], routes: [IPRoute])] = []
        // In every host end's alias, with its pid: what tells a leftover from a live one.
        let initStart = container.initStartTime
        for interface in planned {
            try failing(interface, in: file) {
                var addresses = interface.definition.addresses, routes = interface.definition.routes
                let master: (index: Int32, mtu: Int)?
                switch interface.definition.kind {
                case .direct(let device, let mode):
                    guard let parent = try host.link(named: device) else { throw RuntimeError("host interface '\(device)' does not exist") }
                    try host.createMacvlan(name: interface.guestName, parent: parent.index, parentName: device, mode: mode,
                                           namespace: namespace, mac: interface.mac, mtu: interface.definition.mtu)
                    inside.append((interface, addresses, routes))
                    return
                case .network(let name):
                    let attachment = try NetworkAttachment.prepare(network: name, container: domain.name, initPID: pid, initStart: initStart,
                                                                   interface: interface,
                                                                   paths: paths, host: host) { container.network.natNetworks.append($0) }
                    master = attachment.bridge
                    addresses += attachment.addresses
                    routes += attachment.routes
                case .bridge, .ethernet:
                    master = try bridgeIndex(interface, host: host)
                }
                try sweep(interface, host: host)
                // Without <mtu>, both ends take the bridge's: a smaller MTU on the bridge's other
                // ports would otherwise drop the container's full-size frames.
                let end = try host.createVeth(host: interface.hostName, guest: interface.guestName, guestNamespace: namespace,
                                              mac: interface.mac, mtu: interface.definition.mtu ?? master?.mtu, master: master?.index,
                                              alias: "\(interface.hostAlias) \(pid) \(initStart)")
                // It was made up.
                try host.configure(index: end, name: interface.hostName, up: false, addresses: interface.definition.hostAddresses,
                                   routes: interface.definition.hostRoutes)
                inside.append((interface, addresses, routes))
            }
        }
        // Host NICs move in whole; they go back at the container's end (see returnHostNICs).
        let socket = try RouteSocket(in: namespace)
        for nic in domain.hostNICs {
            try failing(label: HostNIC.label, line: nic.line, in: file) {
                guard let link = try host.link(named: nic.device) else { throw RuntimeError("host interface '\(nic.device)' does not exist") }
                if container.network.home == nil {
                    container.network.home = try OwnedDescriptor.open("/proc/thread-self/ns/net", O_RDONLY)
                }
                container.network.namespace = namespace
                try host.moveLink(index: link.index, subject: nic.device, to: namespace)
                // Recorded at once, so a failure from here on still gives it back.
                guard let moved = try socket.link(named: nic.device) else {
                    throw RuntimeError("'\(nic.device)' is not in the container's namespace", code: .internalError)
                }
                container.network.movedNICs.append(MovedNIC(name: nic.device, index: moved.index, kind: link.type, original: link))
                try socket.configure(index: moved.index, name: nic.device, addresses: nic.addresses, routes: nic.routes)
            }
        }
        for (interface, addresses, routes) in inside {
            try failing(interface, in: file) {
                guard let link = try socket.link(named: interface.guestName) else {
                    throw RuntimeError("'\(interface.guestName)' is not in the container's namespace", code: .internalError)
                }
                // <link state='down'>: down, but still addressed, as libvirt leaves it.
                try socket.configure(index: link.index, name: interface.guestName, up: interface.definition.linkUp,
                                     addresses: addresses, routes: routes)
            }
        }
    }

    /// The bridge's index and MTU for a bridged interface; an error when there is no such bridge.
    private static func bridgeIndex(_ interface: PlannedInterface, host: RouteSocket) throws -> (index: Int32, mtu: Int)? {
        guard case .bridge(let name) = interface.definition.kind else { return nil }
        guard let bridge = try host.link(named: name) else { throw RuntimeError("bridge '\(name)' does not exist") }
        guard bridge.type == "bridge" else { throw RuntimeError("'\(name)' is not a bridge (it is \(bridge.type.map { "a \($0) link" } ?? "a device"))") }
        return (bridge.index, bridge.mtu)
    }

    /// A host link of the interface's name left by an earlier run of this container is deleted:
    /// a veth whose alias names this container and an init that is gone ("corral:NAME PID
    /// START"). A link of anyone else's, of another kind, or of a run still going (another
    /// launcher of the same name) is an error, never touched.
    private static func sweep(_ interface: PlannedInterface, host: RouteSocket) throws {
        guard let existing = try host.link(named: interface.hostName) else { return }
        let fields = existing.alias?.split(separator: " ") ?? []
        guard existing.type == "veth", fields.count == 3, String(fields[0]) == interface.hostAlias,
              let pid = pid_t(fields[1]), let start = UInt64(fields[2]) else {
            throw RuntimeError("host interface '\(interface.hostName)' already exists and is not this container's (choose another <target dev>)", code: .busy)
        }
        guard !ProcessIdentity.isAlive(pid, startTime: start) else {
            throw RuntimeError("host interface '\(interface.hostName)' belongs to a running container of this name (init pid \(pid))", code: .busy)
        }
        try host.deleteLink(named: interface.hostName)
    }

    /// Runs `body`, putting the file, line and element in front of any error.
    private static func failing(_ interface: PlannedInterface, in file: String, _ body: () throws -> Void) throws {
        try failing(label: interface.definition.label, line: interface.definition.line, in: file, body)
    }

    private static func failing(label: String, line: Int, in file: String, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as RuntimeError {
            throw RuntimeError("\(file):\(line): error: \(label): \(error.message)", code: error.code)
        } catch {
            throw RuntimeError("\(file):\(line): error: \(label): \(error)", code: .setupFailed)
        }
    }

    /// Moves the host NICs of a container that ended back where they came from, under their own
    /// names (the container may have renamed them). Its namespace is still there: the launcher
    /// holds it open for this. A launcher killed outright cannot: the kernel then returns a
    /// physical NIC to the host's first namespace and deletes a virtual one.
    ///
    /// Only the device that went in comes back: a root inside may have moved it away and made
    /// another at its index. Its kind must match — a physical NIC has none, and no container
    /// can make a link without one — and its alias, which the container may have set, is
    /// cleared. Every NIC is tried; the problems are thrown together.
    static func returnHostNICs(_ holdings: NetworkHoldings) throws {
        guard let namespace = holdings.namespace, let home = holdings.home else { return }
        let socket = try RouteSocket(in: namespace)
        var problems: [String] = []
        for nic in holdings.movedNICs {
            do {
                guard let link = try socket.link(index: nic.index), link.type == nic.kind else {
                    problems.append("\(nic.name): not in the container any more (it moved or deleted it); not returned")
                    continue
                }
                try socket.moveLink(index: nic.index, subject: "\(nic.name), back to the host", to: home, name: nic.name, clearAlias: true,
                                    restoring: nic.original)
            } catch {
                problems.append("\(error)")
            }
        }
        if !problems.isEmpty { throw RuntimeError(problems.joined(separator: "; "), code: .internalError) }
    }
}
