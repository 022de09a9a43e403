/// What a container's start took from the host's networks and gives back at its end: the NATed
/// networks it joined (the last one out deletes the network's masquerade rule) and the host
/// NICs moved into it (moved back by their index in its namespace, which is held open for
/// that, as is the launcher's own).
struct NetworkHoldings {
    /// The container's name, as the networks' user lists know it.
    let container: String
    var natNetworks: [NetworkNAT] = []
    var movedNICs: [MovedNIC] = []
    var namespace: OwnedDescriptor?
    var home: OwnedDescriptor?

    /// Gives everything back; each thing that cannot be undone is told to `problem`.
    mutating func release(problem: (String) -> Void) {
        if !movedNICs.isEmpty {
            do {
                try ContainerNetwork.returnHostNICs(self)
            } catch {
                problem("cannot return its host NICs (\(movedNICs.map(\.name).joined(separator: ", "))): \(error)")
            }
            movedNICs = []
            namespace = nil
            home = nil
        }
        for network in natNetworks {
            do {
                try network.leave(container: container)
            } catch {
                problem("network '\(network.network.name)': cannot remove its NAT rule: \(error)")
            }
        }
        natNetworks = []
    }
}

/// A host NIC moved into a container: its name on the host, its index there, its link kind
/// (nil for a physical device), and how it was (MTU, MAC) before it went in.
struct MovedNIC {
    let name: String
    let index: Int32
    let kind: String?
    let original: RouteSocket.LinkInfo
}
