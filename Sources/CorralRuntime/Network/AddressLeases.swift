import CorralDomain
import Glibc

/// The addresses Corral gave containers on a libvirt network, in
/// `STATE_DIR/networks/NETWORK.leases` ("CONTAINER ADDRESS" lines): a container keeps its
/// address across restarts and corrald's restarts (until the host reboots: /run), and no two
/// containers ever hold the same one — every lease is taken under an exclusive lock on
/// `NETWORK.lock`, so concurrent starts queue. (No DHCP server: Corral configures the address
/// itself, before init runs.)
public struct AddressLeases {
    /// The network's name, which names its files.
    let name: String
    let directory: String

    init(network name: String, stateDirectory: String) {
        self.name = name
        directory = "\(stateDirectory)/networks"
    }

    var file: String { "\(directory)/\(name).leases" }

    /// Runs `body` holding the network's lock (a bridge is created under it too).
    func locked<T>(_ body: () throws -> T) throws -> T {
        try HostDirectory.create(directory, mode: 0o700, parents: true)
        let lockPath = "\(directory)/\(name).lock"
        let lock = try OwnedDescriptor.open(lockPath, O_RDWR | O_CREAT, mode: 0o600)
        try lock.lockExclusively(path: lockPath)
        return try body()
    }

    /// The address of `container` (whose MAC on the network is `mac`): its lease; else its
    /// reservation (`<host name>` or `<host mac>`); else the first address of the range that no
    /// lease holds and no other host reserves. Call under `locked`.
    func lease(for container: String, mac: MACAddress, on network: VirtualNetwork) throws -> IPAddress {
        var leases = AddressLeases.parse(FileIO.text(file) ?? "")
        if let held = leases.first(where: { $0.container == container })?.address, network.contains(held) { return held }
        leases.removeAll { $0.container == container }
        let taken = Set(leases.map(\.address.bytes))
        let reserved = network.reservations.first { $0.name == container || $0.mac == mac }
        let address: IPAddress
        if let reserved {
            guard !taken.contains(reserved.address.bytes) else {
                throw RuntimeError("network '\(network.name)': the address reserved for it, \(reserved.address), is leased to another container", code: .busy)
            }
            address = reserved.address
        } else {
            guard let range = network.range, let first = range.first.ipv4Number, let last = range.last.ipv4Number else {
                throw RuntimeError("network '\(network.name)' has no <dhcp><range> to take an address from; give the interface an <ip>")
            }
            // Never the gateway, the subnet's own address or its broadcast address.
            var othersReserved = Set(network.reservations.map(\.address.bytes))
            if let gateway = network.address {
                for excluded in [gateway, gateway.withHostBits(prefix: network.prefix, set: false),
                                 gateway.withHostBits(prefix: network.prefix, set: true)] {
                    othersReserved.insert(excluded.bytes)
                }
            }
            guard let free = (first...last).lazy.map(IPAddress.init(ipv4Number:))
                .first(where: { !taken.contains($0.bytes) && !othersReserved.contains($0.bytes) }) else {
                throw RuntimeError("network '\(network.name)': every address of \(range.first)–\(range.last) is leased", code: .busy)
            }
            address = free
        }
        leases.append((container, address))
        try store(leases)
        return address
    }

    /// Gives up every address `container` holds, on every network: for corrald, when the
    /// container's definition is gone for good. Problems are returned, for the log.
    public static func release(container: String, stateDirectory: String) -> [String] {
        let directory = "\(stateDirectory)/networks"
        var problems: [String] = []
        for entry in FileIO.entries(of: directory) where entry.name.hasSuffix(".leases") {
            let network = String(entry.name.dropLast(".leases".count))
            let leases = AddressLeases(network: network, stateDirectory: stateDirectory)
            do {
                try leases.locked {
                    let held = parse(FileIO.text(leases.file) ?? "")
                    guard held.contains(where: { $0.container == container }) else { return }
                    try leases.store(held.filter { $0.container != container })
                }
            } catch {
                problems.append("network '\(network)': cannot release its address: \(error)")
            }
        }
        return problems
    }

    /// The address leased to `container`, if any (read without the lock: the file is
    /// replaced atomically).
    static func leased(to container: String, network: String, stateDirectory: String) -> IPAddress? {
        let leases = AddressLeases(network: network, stateDirectory: stateDirectory)
        return parse(FileIO.text(leases.file) ?? "").first { $0.container == container }?.address
    }

    /// Replaces the file with `leases`, one "CONTAINER ADDRESS" line each.
    private func store(_ leases: [(container: String, address: IPAddress)]) throws {
        try FileIO.writeAtomically(leases.map { "\($0.container) \($0.address)\n" }.joined(), to: file, mode: 0o600)
    }

    static func parse(_ text: String) -> [(container: String, address: IPAddress)] {
        // A container's name may hold spaces; the address is after the last one.
        text.split(separator: "\n").compactMap { line in
            guard let space = line.lastIndex(of: " ") else { return nil }
            guard let address = IPAddress(parsing: String(line[space...].dropFirst())) else { return nil }
            return (String(line[..<space]), address)
        }
    }
}
