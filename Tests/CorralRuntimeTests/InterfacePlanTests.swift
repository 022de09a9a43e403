import CorralDomain
@testable import CorralRuntime
import Testing

/// Corral's defaults for an interface's names and MAC, computed without root.
@Suite struct InterfacePlanTests {
    static func domain(_ name: String, _ interfaces: String) throws -> Domain {
        try DomainParser.parse("""
            <domain type='lxc'><name>\(name)</name><os><type>exe</type><init>/sbin/init</init></os>
            <devices>\(interfaces)</devices></domain>
            """, file: "test.xml")
    }

    @Test func namesAndMACsComeFromTheContainersNameAndPosition() throws {
        let planned = PlannedInterface.plan(try Self.domain("web", """
            <interface type='bridge'><source bridge='br0'/></interface>
            <interface type='ethernet'/>
            <interface type='ethernet'><mac address='52:54:00:00:00:01'/><target dev='mine'/><guest dev='lan'/></interface>
            """))
        #expect(planned.map(\.hostName) == ["vc-web", "vc-web.1", "mine"])
        #expect(planned.map(\.guestName) == ["eth0", "eth1", "lan"])
        #expect(planned[2].mac.description == "52:54:00:00:00:01")
        for interface in planned.prefix(2) {
            #expect(interface.mac.bytes[0] & 0x03 == 0x02, "locally administered, unicast: \(interface.mac)")
        }
        #expect(planned[0].mac != planned[1].mac)
        #expect(planned.allSatisfy { $0.hostAlias == "corral:web" })
        // The same at every start (FNV-1a, not Swift's per-process seeded Hasher).
        #expect(PlannedInterface.plan(try Self.domain("web", "<interface type='ethernet'/>"))[0].mac.description == planned[0].mac.description)
    }

    @Test func longOrUnusualNamesAreHashedIntoIFNAMSIZ() {
        let long = PlannedInterface.defaultHostName(container: "a-rather-long-container-name", index: 11)
        #expect(long.hasPrefix("vc-") && long.hasSuffix(".11") && long.utf8.count <= 15, "\(long)")
        #expect(long == PlannedInterface.defaultHostName(container: "a-rather-long-container-name", index: 11))
        #expect(long != PlannedInterface.defaultHostName(container: "a-rather-long-container-nama", index: 11))
        let dotted = PlannedInterface.defaultHostName(container: "web.example", index: 0)
        #expect(dotted.utf8.count == 11 && !dotted.contains("."), "\(dotted)")
        #expect(NetworkInterface.isValidName(long) && NetworkInterface.isValidName(dotted))
        // Container a's second interface and container a-1's first.
        #expect(PlannedInterface.defaultHostName(container: "a", index: 1) != PlannedInterface.defaultHostName(container: "a-1", index: 0))
    }
}
