import CorralDomain
import Glibc

/// One interface of a running container as `corralctl status` shows it: its names, MAC, what
/// it is attached to, its addresses (from the definition it runs), and its byte counters as
/// the container sees them (/proc/INIT/net/dev: that process's namespace).
public struct InterfaceStatus: Sendable, Equatable {
    public let guestName: String
    /// nil for `direct` (a macvlan has no host end).
    public let hostName: String?
    public let mac: String
    /// "bridge br0", "ethernet", "direct on eth0 (vepa)".
    public let attachment: String
    public let addresses: [String]
    public let receivedBytes: UInt64?
    public let sentBytes: UInt64?

    /// `stateDirectory`: where the addresses leased on libvirt networks are recorded.
    public static func of(_ domain: Domain, initPID: pid_t?, stateDirectory: String) -> [InterfaceStatus] {
        let counters = initPID.map { byteCounters(FileIO.text("/proc/\($0)/net/dev") ?? "") } ?? [:]
        return PlannedInterface.plan(domain).map { planned in
            let attachment: String
            var hostName: String? = planned.hostName
            switch planned.definition.kind {
            case .bridge(let bridge): attachment = "bridge \(bridge)"
            case .ethernet: attachment = "ethernet"
            case .direct(let device, let mode):
                attachment = "direct on \(device) (\(mode == .passthrough ? "passthrough" : mode.rawValue))"
                hostName = nil
            case .network(let network):
                attachment = "network \(network)"
            }
            var addresses = planned.definition.addresses.map { "\($0.address)/\($0.prefix)" }
            if case .network(let network) = planned.definition.kind, addresses.isEmpty,
               let leased = AddressLeases.leased(to: domain.name, network: network, stateDirectory: stateDirectory) {
                addresses = ["\(leased) (leased)"]
            }
            return InterfaceStatus(guestName: planned.guestName, hostName: hostName, mac: planned.mac.description,
                                   attachment: attachment, addresses: addresses,
                                   receivedBytes: counters[planned.guestName]?.received, sentBytes: counters[planned.guestName]?.sent)
        }
    }

    /// /proc/net/dev: "  eth0: RX-bytes packets errs drop fifo frame compressed multicast
    /// TX-bytes …" per interface, after two header lines.
    static func byteCounters(_ text: String) -> [String: (received: UInt64, sent: UInt64)] {
        var result: [String: (received: UInt64, sent: UInt64)] = [:]
        for line in text.split(separator: "\n").dropFirst(2) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].split(separator: " ").last.map(String.init) ?? ""
            let fields = line[line.index(after: colon)...].split(separator: " ")
            guard fields.count >= 9, let received = UInt64(fields[0]), let sent = UInt64(fields[8]) else { continue }
            result[name] = (received, sent)
        }
        return result
    }
}
