import CorralDomain
import Glibc

/// The masquerade rule of a `<forward mode='nat'/>` network, as libvirt makes it now with
/// nftables: in table `ip corral`, chain `postrouting`, one rule per network —
/// `ip saddr SUBNET ip daddr != SUBNET masquerade comment "corral-network-NAME"`. It is added
/// when the first container joins and deleted when the last leaves. The users are
/// `STATE_DIR/networks/NAME.users` ("PID STARTTIME CONTAINER" of each init), kept under the
/// network's lock; an entry whose init is gone (its launcher was killed) no longer counts.
struct NetworkNAT {
    let network: VirtualNetwork
    let leases: AddressLeases

    var usersFile: String { "\(leases.directory)/\(network.name).users" }
    var comment: String { "corral-network-\(network.name)" }

    /// The subnet in CIDR form, from the network's address and prefix.
    var subnet: String {
        guard let address = network.address else { return "" }
        return "\(address.withHostBits(prefix: network.prefix, set: false))/\(network.prefix)"
    }

    /// Records `container`'s init (pid and start time) as a user and makes sure the rule is
    /// there. Call under the network's lock.
    func join(container: String, initPID: pid_t, initStart: UInt64) throws {
        // Masquerading needs forwarding, which is off by default; libvirt turns it on too.
        if FileIO.text("/proc/sys/net/ipv4/ip_forward")?.hasPrefix("1") != true {
            try FileIO.writeExisting("/proc/sys/net/ipv4/ip_forward", "1")
        }
        var users = liveUsers().filter { $0.container != container }
        // Another live user joined when the rule was there, or added it: no nft run (a
        // process) on this start.
        let ruleKnown = !users.isEmpty
        users.append((initPID, initStart, container))
        try write(users)
        guard !ruleKnown, try ruleHandle() == nil else { return }
        try nft(["add", "table", "ip", "corral"])
        try nft(["add", "chain", "ip", "corral", "postrouting", "{", "type", "nat", "hook", "postrouting", "priority", "100", ";",
                 "policy", "accept", ";", "}"])
        try nft(["add", "rule", "ip", "corral", "postrouting", "ip", "saddr", subnet, "ip", "daddr", "!=", subnet, "masquerade",
                 "comment", "\"\(comment)\""])
    }

    /// Removes `container` from the users; deletes the rule when no live user is left.
    func leave(container: String) throws {
        try leases.locked {
            let users = liveUsers().filter { $0.container != container }
            try write(users)
            if users.isEmpty, let handle = try ruleHandle() {
                try nft(["delete", "rule", "ip", "corral", "postrouting", "handle", handle])
            }
        }
    }

    /// The rule's handle, or nil when it (or the table) is not there.
    private func ruleHandle() throws -> String? {
        let listing: String
        do {
            listing = try HostCommand.run(["nft", "-a", "list", "chain", "ip", "corral", "postrouting"], errorsIntoOutput: true)
        } catch let failure as HostCommand.Failure where failure.description.contains("No such file or directory") {
            return nil  // no table or chain yet
        }
        let line = listing.split(separator: "\n").first { $0.contains("comment \"\(comment)\"") }
        guard let line, let marker = line.firstRange(of: "# handle ") else { return nil }
        return String(line[marker.upperBound...].prefix { $0.isNumber })
    }

    private func nft(_ arguments: [String]) throws {
        _ = try HostCommand.run(["nft"] + arguments, errorsIntoOutput: true)
    }

    private func liveUsers() -> [(pid: pid_t, start: UInt64, container: String)] {
        (FileIO.text(usersFile) ?? "").split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 2)
            guard fields.count == 3, let pid = pid_t(fields[0]), let start = UInt64(fields[1]),
                  ProcessIdentity.isAlive(pid, startTime: start) else { return nil }
            return (pid, start, String(fields[2]))
        }
    }

    private func write(_ users: [(pid: pid_t, start: UInt64, container: String)]) throws {
        try FileIO.writeAtomically(users.map { "\($0.pid) \($0.start) \($0.container)\n" }.joined(), to: usersFile, mode: 0o600)
    }
}
