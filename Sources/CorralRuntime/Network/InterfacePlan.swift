import CorralDomain

/// What one `<interface>` becomes, with Corral's defaults filled in: names and a MAC derived
/// from the container's name and the interface's position, so a restart keeps them and a
/// leftover of a crash is recognised by its name (as nspawn does; libvirt's random MAC changes
/// at every start).
public struct PlannedInterface: Sendable, Equatable {
    public let definition: NetworkInterface
    /// The host end's name: `<target dev>`, else `vc-NAME` (`vc-NAME.1`, …), hash-shortened to
    /// fit IFNAMSIZ.
    public let hostName: String
    /// The container end's name: `<guest dev>`, else eth0, eth1, …
    public let guestName: String
    /// The container end's MAC: `<mac address>`, else locally administered from the name.
    public let mac: MACAddress
    /// Set on the host end (IFLA_IFALIAS): how a start tells its own leftover from a link of
    /// someone else's with the same name.
    public let hostAlias: String

    public static func plan(_ domain: Domain) -> [PlannedInterface] {
        domain.interfaces.enumerated().map { index, interface in
            PlannedInterface(definition: interface,
                             hostName: interface.hostName ?? defaultHostName(container: domain.name, index: index),
                             guestName: interface.guestName ?? "eth\(index)",
                             mac: interface.mac ?? defaultMAC(container: domain.name, index: index),
                             hostAlias: "corral:\(domain.name)")
        }
    }

    /// `vc-NAME` when that is a valid name of plain characters, else `vc-` and 8 hex digits of
    /// the name's hash; `.N` after the first interface (a '.' no plain name has, so container
    /// `a`'s second interface and container `a-1`'s first never share a name).
    static func defaultHostName(container: String, index: Int) -> String {
        let suffix = index == 0 ? "" : ".\(index)"
        let plain = container.consists(ofLettersDigitsAnd: "-_")
        let readable = "vc-" + container + suffix
        if plain && NetworkInterface.isValidName(readable) { return readable }
        var hash = FNV1a()
        hash.add(container)
        let hex = String(hash.value & 0xFFFF_FFFF, radix: 16)
        return "vc-" + String(repeating: "0", count: 8 - hex.count) + hex + suffix
    }

    /// Six bytes of the hash of the name and position, marked locally administered and unicast.
    static func defaultMAC(container: String, index: Int) -> MACAddress {
        var hash = FNV1a()
        hash.add(container)
        hash.add(0)
        hash.add(String(index))
        var bytes = (0..<6).map { UInt8(truncatingIfNeeded: hash.value >> (8 * UInt64($0))) }
        bytes[0] = (bytes[0] & 0xFE) | 0x02
        return MACAddress(bytes: bytes)
    }
}
