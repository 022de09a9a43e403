import CorralDomain
import Testing

/// libvirt network definitions, as `<interface type='network'>` reads them.
@Suite struct VirtualNetworkTests {
    static func parse(_ text: String) throws(DomainDiagnostics) -> VirtualNetwork {
        try Array(text.utf8).withUnsafeBytes { buffer in
            Result { () throws(DomainDiagnostics) in try VirtualNetwork.parse(buffer, file: "net.xml") }
        }.get()
    }

    /// What `virsh net-dumpxml default` prints on a Debian host.
    @Test func libvirtsDefaultNetwork() throws {
        let network = try Self.parse("""
            <network>
              <name>default</name>
              <uuid>3c6a4a44-1b8a-4e2b-9a3f-6d2b5c1e0f11</uuid>
              <forward mode='nat'><nat><port start='1024' end='65535'/></nat></forward>
              <bridge name='virbr0' stp='on' delay='0'/>
              <mac address='52:54:00:6e:1a:2b'/>
              <ip address='192.168.122.1' netmask='255.255.255.0'>
                <dhcp><range start='192.168.122.2' end='192.168.122.254'/><host mac='52:54:00:00:00:01' name='db' ip='192.168.122.5'/></dhcp>
              </ip>
              <ip family='ipv6' address='fd00::1' prefix='64'/>
            </network>
            """)
        #expect(network.name == "default" && network.bridge == "virbr0" && network.natted && network.prefix == 24)
        #expect(network.address?.description == "192.168.122.1")
        #expect(network.range?.first.description == "192.168.122.2" && network.range?.last.description == "192.168.122.254")
        #expect(network.reservations.map { "\($0.name ?? "-") \($0.mac?.description ?? "-") \($0.address)" } == ["db 52:54:00:00:00:01 192.168.122.5"])
        let isolated = try Self.parse("<network><name>iso</name><bridge name='br-iso'/><ip address='10.0.0.1' prefix='16'/></network>")
        #expect(!isolated.natted && isolated.prefix == 16 && isolated.range == nil)
    }

    @Test(arguments: [
        ("<network><bridge name='b'/></network>", "net.xml:1: error: <network>: missing <name>"),
        ("<network><name>n</name><forward mode='bridge'/><bridge name='b'/></network>",
         "net.xml:1: error: <forward>: forward mode 'bridge' is not supported by Corral: 'nat', or no <forward> for an isolated network"),
        ("<network><name>n</name><bridge name='b'/><ip address='10.0.0.1' netmask='255.0.255.0'/></network>",
         "net.xml:1: error: <ip>: netmask '255.0.255.0' is not a contiguous IPv4 netmask"),
        ("<network><name>n</name><bridge name='b'/><ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.1.2' end='10.0.1.9'/></dhcp></ip></network>",
         "net.xml:1: error: <range>: start and end must be addresses of 10.0.0.1/24, start first"),
        ("<network><name>../x</name><bridge name='b'/></network>", "net.xml:1: error: <name>: '../x' cannot name a network (letters, digits, '_', '-', '.')"),
    ])
    func errorsNameTheElement(text: String, expected: String) {
        do {
            _ = try Self.parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.contains(expected), "\(error)")
        }
    }
}
