import CorralTestSupport
import Foundation
import Testing

/// `<interface type='bridge'|'ethernet'>` for real: veth pairs into a bridge of a test's own
/// network namespace (TestNetwork), configured before init runs, checked from inside and from
/// the host side, with every way a container ends leaving no link behind.
@Suite(.enabled(if: ContainerSandbox.canRunContainers, ContainerSandbox.skipReason),
       .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip"), "needs ip(8) (iproute2) for the test's namespace"))
struct NetworkTests {
    static let bridged = """
        <interface type='bridge'>
          <source bridge='br0'/>
          <mac address='52:54:00:12:34:56'/>
          <target dev='vt-web'/>
          <guest dev='lan0'/>
          <mtu size='1400'/>
          <ip address='10.77.0.2' prefix='24'/>
          <ip address='fd77::2' prefix='64'/>
          <route address='0.0.0.0' prefix='0' gateway='10.77.0.1' metric='7'/>
        </interface>
        """

    /// Every name, MAC, MTU, address and route, seen from inside before anything else ran; a
    /// second interface with the defaults (eth1, a locally administered MAC stable across
    /// starts) and `<link state='down'>`.
    @Test func interfacesAreConfiguredBeforeInitRuns() throws {
        try ContainerSandbox.with { sandbox in
            let network = try TestNetwork(in: sandbox.directory)
            try network.bridge("br0", address: "10.77.0.1/24")
            let definition = sandbox.domain("web", script: "ip -o link; ip -o addr; ip route; ping -c1 -W2 10.77.0.1 >/dev/null && echo ping-ok",
                                            devices: Self.bridged + "<interface type='ethernet'><link state='down'/></interface>")
            let first = try sandbox.run(definition, name: "web", networkNamespace: network.name)
            #expect(first.status == 0, "\(first.errors)")
            let output = first.output
            for expected in ["lan0@", "mtu 1400", "link/ether 52:54:00:12:34:56", "inet 10.77.0.2/24", "inet6 fd77::2/64",
                             "default via 10.77.0.1 dev lan0", "metric 7", "ping-ok", "eth1@"] {
                #expect(output.contains(expected), "missing '\(expected)' in:\n\(output)")
            }
            let eth1 = output.split(separator: "\n").first { $0.contains("eth1@") }.map(String.init) ?? ""
            #expect(!eth1.contains(",UP"), "eth1 stays down: \(eth1)")
            let mac = eth1.components(separatedBy: "link/ether ").dropFirst().first?.prefix(17).description ?? ""
            #expect(mac.count == 17 && ["2", "6", "a", "e"].contains(mac.dropFirst().prefix(1)), "locally administered: \(eth1)")
            // The same MAC at the next start; no host end left by the first.
            #expect(try network.waitForNoLink(startingWith: "vt-web"), "\(network.shownLinks)")
            let second = try sandbox.run(definition, name: "web", networkNamespace: network.name)
            #expect(second.output.contains(mac), "\(second.output)")
        }
    }

    /// Without `<mtu>`, the container end takes its bridge's MTU.
    @Test func theMTUIsTheBridgesByDefault() throws {
        try ContainerSandbox.with { sandbox in
            let network = try TestNetwork(in: sandbox.directory)
            try network.bridge("br0")
            try network.ip(["-n", network.name, "link", "set", "br0", "mtu", "1450"])
            let run = try sandbox.run(sandbox.domain("small", script: "ip -o link show eth0", devices: "<interface type='bridge'><source bridge='br0'/></interface>"),
                                      name: "small", networkNamespace: network.name)
            #expect(run.status == 0 && run.output.contains("mtu 1450"), "\(run.output)\(run.errors)")
        }
    }

    /// A server in one container, reached from the host side and from another container on the
    /// same bridge; the host end is on the bridge and up while it runs, gone after SIGTERM.
    @Test func hostAndContainersReachAServer() throws {
        try ContainerSandbox.with { sandbox in
            let network = try TestNetwork(in: sandbox.directory)
            try network.bridge("br0", address: "10.77.0.1/24")
            try "hello from web\n".write(toFile: "\(sandbox.rootfs)/hello", atomically: true, encoding: .utf8)
            let server = sandbox.domain("web", script: "httpd -p 80 -h /; trap 'exit 0' TERM; while true; do sleep 1 & wait; done", devices: Self.bridged)
            let file = "\(sandbox.directory)/web.xml"
            try server.write(toFile: file, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
            process.arguments = ["--net=/run/netns/\(network.name)", "--", ContainerSandbox.corralctl, "run", file, "--state-dir", sandbox.state,
                                 "--cgroup-parent", sandbox.cgroupParent]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }

            var fetched = ""
            for _ in 0..<100 where !fetched.contains("hello from web") {
                // busybox's nc: its static wget resolves through glibc's NSS, which crashes on the host.
                fetched = try network.exec(["/bin/sh", "-c", "printf 'GET /hello HTTP/1.0\\r\\n\\r\\n' | \(ContainerSandbox.busybox) nc -w 1 10.77.0.2 80"]).output
                if !fetched.contains("hello") { Thread.sleep(forTimeInterval: 0.05) }
            }
            #expect(fetched.hasPrefix("HTTP/1.1 200") && fetched.hasSuffix("\r\n\r\nhello from web\n"), "from the host side: '\(fetched)'")
            let onBridge = try network.ip(["-n", network.name, "link", "show", "master", "br0"])
            #expect(onBridge.contains("vt-web@") && onBridge.contains("state UP"), "\(onBridge)")

            let client = sandbox.domain("client", script: "wget -q -O - http://10.77.0.2/hello",
                                        devices: "<interface type='bridge'><source bridge='br0'/><ip address='10.77.0.3' prefix='24'/></interface>")
            let reached = try sandbox.run(client, name: "client", networkNamespace: network.name)
            #expect(reached.status == 0 && reached.output == "hello from web\n", "container to container: \(reached.output)\(reached.errors)")

            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
            #expect(try network.waitForNoLink(startingWith: "vt-web"), "\(network.shownLinks)")
            #expect(try network.waitForNoLink(startingWith: "vc-client"), "\(network.shownLinks)")
        }
    }

    /// `<interface type='direct'>`: a macvlan on a host NIC (a veth end stands in for one),
    /// made in the container; its traffic leaves through that NIC.
    @Test(arguments: ["vepa", "bridge", "private"])
    func directIsAMacvlanOnTheHostNIC(mode: String) throws {
        try ContainerSandbox.with { sandbox in
            let network = try TestNetwork(in: sandbox.directory)
            try network.ip(["-n", network.name, "link", "add", "nic0", "type", "veth", "peer", "name", "wire0"])
            try network.ip(["-n", network.name, "addr", "add", "10.78.0.1/24", "dev", "wire0"])
            for link in ["nic0", "wire0"] { try network.ip(["-n", network.name, "link", "set", link, "up"]) }
            let devices = "<interface type='direct'><source dev='nic0' mode='\(mode)'/><guest dev='mv0'/><mtu size='1400'/><ip address='10.78.0.2' prefix='24'/></interface>"
            let script = "trap 'exit 0' TERM; ip -o link show mv0; ping -c1 -W2 10.78.0.1 >/dev/null && echo ping-ok; sleep 5 & wait"
            let (process, output) = try Self.start(sandbox.domain("direct", script: script, devices: devices), name: "direct",
                                                   sandbox: sandbox, network: network)
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
            // Its kind and mode, as the host's ip(8) sees them in the container's namespace.
            let initPID = try #require(Self.initPID(of: "direct", sandbox: sandbox))
            let details = try ContainerSandbox.run("/usr/bin/nsenter", ["--net=/proc/\(initPID)/ns/net", "/usr/sbin/ip", "-d", "-o", "link", "show", "mv0"],
                                                   in: sandbox.directory).output
            #expect(details.contains("macvlan mode \(mode)"), "\(details)")
            #expect(!(try network.links()).contains("mv0"), "the macvlan lives in the container only")
            ContainerSandbox.waitUntil({ (try? String(contentsOfFile: output, encoding: .utf8))?.contains("ping-ok") == true })
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
            let shown = try String(contentsOfFile: output, encoding: .utf8)
            #expect(shown.contains("mv0@") && shown.contains("mtu 1400") && shown.contains("ping-ok"), "\(shown)")
        }
    }

    /// `corralctl run` of `definition` inside the test's namespace, in the background; its
    /// output goes to the returned file.
    static func start(_ definition: String, name: String, sandbox: ContainerSandbox, network: TestNetwork,
                      extra: [String] = []) throws -> (Process, String) {
        let file = "\(sandbox.directory)/\(name).xml", output = "\(sandbox.directory)/\(name).out"
        try definition.write(toFile: file, atomically: true, encoding: .utf8)
        try #require(FileManager.default.createFile(atPath: output, contents: nil))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        process.arguments = ["--net=/run/netns/\(network.name)", "--", ContainerSandbox.corralctl, "run", file, "--state-dir", sandbox.state,
                             "--cgroup-parent", sandbox.cgroupParent] + extra
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardError = FileHandle.nullDevice
        try process.run()
        return (process, output)
    }

    /// Removes the (empty) cgroup `parent` from every hierarchy.
    static func removeCgroupParent(_ parent: String) {
        let root = "/sys/fs/cgroup"
        let hierarchies = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).map { "\(root)/\($0)" } + [root]
        for hierarchy in hierarchies where FileManager.default.fileExists(atPath: "\(hierarchy)/\(parent)") {
            #expect(rmdir("\(hierarchy)/\(parent)") == 0, "rmdir \(hierarchy)/\(parent): \(String(cString: strerror(errno)))")
        }
    }

    /// The init pid a running `corralctl run --state-dir` recorded (STATE_DIR/NAME.launcher).
    static func initPID(of name: String, sandbox: ContainerSandbox) -> String? {
        var pid: String? = nil
        ContainerSandbox.waitUntil({
            let record = (try? String(contentsOfFile: "\(sandbox.state)/\(name).launcher", encoding: .utf8)) ?? ""
            pid = record.split(separator: "\n").first { $0.hasPrefix("init=") }?.dropFirst(5).split(separator: " ").first.map(String.init)
            return pid != nil
        })
        return pid
    }

    /// Under corrald: `corralctl status` lists the interface; a monitor killed with SIGKILL,
    /// a removed definition and corrald's SIGTERM each leave no host end, and a restart finds
    /// no "File exists".
    @Test func underCorraldStatusShowsItAndNothingOutlivesAContainer() throws {
        try ContainerSandbox.with { sandbox in
            let network = try TestNetwork(in: sandbox.directory)
            try network.bridge("br0", address: "10.77.0.1/24")
            let daemon = try DaemonHarness(sandbox)
            defer { daemon.shutDown() }
            try daemon.write("web.xml", sandbox.domain("web", script: "trap 'exit 0' TERM; while true; do sleep 1 & wait; done", devices: Self.bridged))
            try daemon.start(networkNamespace: network.name)
            daemon.wait("web running") { daemon.running("web") != nil }
            let state = ["--state-dir", daemon.stateDirectory]
            let status = try ContainerSandbox.run(ContainerSandbox.corralctl, ["status", "web"] + state, in: sandbox.directory)
            #expect(status.output.contains("interface:    lan0 (host end vt-web, bridge br0) 52:54:00:12:34:56 10.77.0.2/24 fd77::2/64; rx "),
                    "\(status.output)\(status.errors)")
            let json = try ContainerSandbox.run(ContainerSandbox.corralctl, ["status", "web", "--format", "json"] + state, in: sandbox.directory)
            #expect(json.output.contains("\"interfaces\": [{\"guest\": \"lan0\", \"host\": \"vt-web\", \"mac\": \"52:54:00:12:34:56\""), "\(json.output)")

            // The monitor killed: init dies with it, corrald starts it again, the link is made anew.
            let firstInit = try #require(daemon.record("web")?.initPID)
            let monitor = try #require(daemon.record("web")?.monitorPID)
            kill(monitor, SIGKILL)
            daemon.wait("web restarted", seconds: 30) { daemon.running("web").map { $0 != firstInit } ?? false }
            #expect(try network.links().split(separator: "\n").filter { $0.hasPrefix("vt-web") }.count == 1, "\(network.shownLinks)")

            // Removed: stopped, its host end gone with its namespace.
            try daemon.remove("web.xml")
            daemon.wait("web removed") { daemon.record("web") == nil }
            #expect(try network.waitForNoLink(startingWith: "vt-web"), "\(network.shownLinks)")

            // corrald's SIGTERM stops the others the same way.
            try daemon.write("other.xml", sandbox.domain("other", script: "trap 'exit 0' TERM; while true; do sleep 1 & wait; done",
                                                         devices: "<interface type='bridge'><source bridge='br0'/></interface>"))
            daemon.wait("other running") { daemon.running("other") != nil }
            #expect(try network.links().contains("vc-other@"))
            daemon.signal(SIGTERM)
            #expect(daemon.waitForExit(seconds: 30) == 0)
            #expect(try network.waitForNoLink(startingWith: "vc-other"), "\(network.shownLinks)")
            // The init killed with its monitor is the host init's to reap.
            ContainerSandbox.waitUntil { sandbox.processesRootedHere().isEmpty }
        }
    }

    static func networkFile(forward: String = "<forward mode='nat'/>") -> String {
        """
        <network>
          <name>lab</name>
          <uuid>0f0f0f0f-0000-4000-8000-000000000001</uuid>
          \(forward)
          <bridge name='virbr7' stp='on' delay='0'/>
          <ip address='10.98.0.1' netmask='255.255.255.0'>
            <dhcp>
              <range start='10.98.0.10' end='10.98.0.12'/>
              <host name='reserved' ip='10.98.0.50'/>
              <host mac='52:54:00:00:00:77' ip='10.98.0.60'/>
            </dhcp>
          </ip>
        </network>
        """
    }

    /// The sandbox's network directory, with `lab.xml` holding `network`.
    static func networkDirectory(in sandbox: ContainerSandbox, with network: String) throws -> String {
        let directory = "\(sandbox.directory)/networks"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try network.write(toFile: "\(directory)/lab.xml", atomically: true, encoding: .utf8)
        return directory
    }

    /// `<interface type='network'>`: the network's bridge made with its address, each
    /// container's address from the range (reservations by name and by MAC honoured), the
    /// same at the next start, never twice — also for starts at the same moment — a default
    /// route via the network, its NAT rule while a container uses it, and clear errors.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/nft"), "needs nft (nftables) for the NAT rule"))
    func networksGiveBridgeAddressesRoutesAndNAT() throws {
        try ContainerSandbox.with { sandbox in
            let network = try TestNetwork(in: sandbox.directory)
            let networks = try Self.networkDirectory(in: sandbox, with: Self.networkFile())
            func run(_ name: String, _ extra: String = "", script: String = "ip -o addr show eth0 | grep 'inet '; ip route") throws -> ContainerSandbox.Run {
                let definition = sandbox.domain(name, script: script, devices: "<interface type='network'><source network='lab'/>\(extra)</interface>")
                let file = "\(sandbox.directory)/\(name).xml"
                try definition.write(toFile: file, atomically: true, encoding: .utf8)
                return try network.exec([ContainerSandbox.corralctl, "run", file, "--state-dir", sandbox.state, "--network-dir", networks,
                                         "--cgroup-parent", sandbox.cgroupParent])
            }
            let first = try run("alpha", script: "ip -o addr show eth0 | grep 'inet '; ip route; ping -c1 -W2 10.98.0.1 >/dev/null && echo ping-ok")
            #expect(first.status == 0 && first.output.contains("inet 10.98.0.10/24") && first.output.contains("default via 10.98.0.1 dev eth0")
                    && first.output.contains("ping-ok"), "\(first.output)\(first.errors)")
            #expect(try network.ip(["-n", network.name, "-br", "addr", "show", "virbr7"]).contains("10.98.0.1/24"), "the bridge was made")
            #expect(try run("alpha").output.contains("inet 10.98.0.10/24"), "the same address at the next start")
            #expect(try run("reserved").output.contains("inet 10.98.0.50/24"), "reserved by name")
            #expect(try run("bymac", "<mac address='52:54:00:00:00:77'/>").output.contains("inet 10.98.0.60/24"), "reserved by MAC")
            #expect(try run("own", "<ip address='10.98.0.99' prefix='24'/>").output.contains("inet 10.98.0.99/24"), "its own <ip> wins")

            // An isolated network (no <forward>) gives no default route.
            try Self.networkFile(forward: "").replacingOccurrences(of: "<name>lab</name>", with: "<name>iso</name>")
                .replacingOccurrences(of: "virbr7", with: "virbr8").replacingOccurrences(of: "10.98.0.", with: "10.97.0.")
                .write(toFile: "\(networks)/iso.xml", atomically: true, encoding: .utf8)
            let isolatedFile = "\(sandbox.directory)/isolated.xml"
            try sandbox.domain("isolated", script: "ip route", devices: "<interface type='network'><source network='iso'/></interface>")
                .write(toFile: isolatedFile, atomically: true, encoding: .utf8)
            let isolated = try network.exec([ContainerSandbox.corralctl, "run", isolatedFile, "--state-dir", sandbox.state, "--network-dir", networks,
                                             "--cgroup-parent", sandbox.cgroupParent])
            #expect(isolated.status == 0 && isolated.output.contains("10.97.0.0/24 dev eth0") && !isolated.output.contains("default"),
                    "\(isolated.output)\(isolated.errors)")

            // Two at the same moment: two addresses; then the range is used up.
            let concurrent = try ["beta", "gamma"].map { name in
                let file = "\(sandbox.directory)/\(name).xml"
                try sandbox.domain(name, script: "ip -o addr show eth0 | grep 'inet '", devices: "<interface type='network'><source network='lab'/></interface>")
                    .write(toFile: file, atomically: true, encoding: .utf8)
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
                process.arguments = ["--net=/run/netns/\(network.name)", "--", ContainerSandbox.corralctl, "run", file, "--state-dir", sandbox.state,
                                     "--network-dir", networks, "--cgroup-parent", sandbox.cgroupParent]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                return process
            }
            for process in concurrent { process.waitUntilExit() }
            let leases = try String(contentsOfFile: "\(sandbox.state)/networks/lab.leases", encoding: .utf8)
            let addresses = leases.split(separator: "\n").map { $0.split(separator: " ").last.map(String.init) ?? "" }
            #expect(Set(addresses).count == addresses.count && leases.contains("beta 10.98.0.1") && leases.contains("gamma 10.98.0.1"), "\(leases)")
            let exhausted = try run("delta")
            #expect(exhausted.status == 125 && exhausted.errors.contains("network 'lab': every address of 10.98.0.10–10.98.0.12 is leased"),
                    "\(exhausted.errors)")

            // The NAT rule while a container runs, gone after.
            let waiting = try Self.start(sandbox.domain("alpha", script: "trap 'exit 0' TERM; sleep 30 & wait",
                                                        devices: "<interface type='network'><source network='lab'/></interface>")
                                            .replacingOccurrences(of: "</devices>", with: "</devices>"),
                                         name: "alpha", sandbox: sandbox, network: network, extra: ["--network-dir", networks])
            defer { if waiting.0.isRunning { kill(waiting.0.processIdentifier, SIGKILL); waiting.0.waitUntilExit() } }
            _ = Self.initPID(of: "alpha", sandbox: sandbox)
            let rules = try network.exec(["/usr/sbin/nft", "list", "chain", "ip", "corral", "postrouting"]).output
            #expect(rules.contains("ip saddr 10.98.0.0/24 ip daddr != 10.98.0.0/24 masquerade comment \"corral-network-lab\""), "\(rules)")
            let forwarding = try network.exec(["/bin/cat", "/proc/sys/net/ipv4/ip_forward"]).output
            #expect(forwarding == "1\n", "a NATed network turns forwarding on in its namespace")
            kill(waiting.0.processIdentifier, SIGTERM)
            waiting.0.waitUntilExit()
            let after = try network.exec(["/usr/sbin/nft", "list", "chain", "ip", "corral", "postrouting"]).output
            #expect(!after.contains("corral-network-lab"), "\(after)")
        }
    }

    /// Under corrald, a container's address on a network is kept while its definition is, and
    /// freed when the definition goes.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/nft"), "needs nft (nftables) for the NAT rule"))
    func aRemovedDefinitionFreesItsAddress() throws {
        try ContainerSandbox.with { sandbox in
            let network = try TestNetwork(in: sandbox.directory)
            let networks = try Self.networkDirectory(in: sandbox, with: Self.networkFile())
            let daemon = try DaemonHarness(sandbox)
            defer { daemon.shutDown() }
            try daemon.write("leasy.xml", sandbox.domain("leasy", script: "trap 'exit 0' TERM; while true; do sleep 1 & wait; done",
                                                         devices: "<interface type='network'><source network='lab'/></interface>"))
            try daemon.start(arguments: daemon.arguments + ["--network-dir", networks], networkNamespace: network.name)
            daemon.wait("leasy running") { daemon.running("leasy") != nil }
            let leases = "\(sandbox.state)/networks/lab.leases"
            #expect(((try? String(contentsOfFile: leases, encoding: .utf8)) ?? "").contains("leasy 10.98.0.10"))
            try daemon.remove("leasy.xml")
            daemon.wait("leasy removed") { daemon.record("leasy") == nil }
            #expect(!((try? String(contentsOfFile: leases, encoding: .utf8)) ?? "").contains("leasy"), "its lease is gone")
            daemon.signal(SIGTERM)
            #expect(daemon.waitForExit(seconds: 30) == 0)
        }
    }

    /// A network that is not there, not valid, or forwards in a way Corral does not do.
    @Test func networkErrorsNameTheNetworkAndItsFile() throws {
        try ContainerSandbox.with { sandbox in
            let network = try TestNetwork(in: sandbox.directory)
            let networks = try Self.networkDirectory(in: sandbox, with: Self.networkFile(forward: "<forward mode='route'/>"))
            try "<network><name>broken</name></network>".write(toFile: "\(networks)/broken.xml", atomically: true, encoding: .utf8)
            for (source, error) in [("nope", "network 'nope' is not defined (no \(networks)/nope.xml)"),
                                    ("lab", "\(networks)/lab.xml:4: error: <forward>: forward mode 'route' is not supported by Corral"),
                                    ("broken", "\(networks)/broken.xml:1: error: <network>: missing <bridge name='…'/>")] {
                let file = "\(sandbox.directory)/n.xml"
                try sandbox.domain("n", script: "echo ran", devices: "<interface type='network'><source network='\(source)'/></interface>")
                    .write(toFile: file, atomically: true, encoding: .utf8)
                let run = try network.exec([ContainerSandbox.corralctl, "run", file, "--state-dir", sandbox.state, "--network-dir", networks,
                                            "--cgroup-parent", sandbox.cgroupParent])
                #expect(run.status == 125 && run.errors.contains("<interface type='network'>: ") && run.errors.contains(error), "\(run.errors)")
            }
            #expect(try network.waitForNoLink(startingWith: "vc-n"), "\(network.shownLinks)")
        }
    }

    /// `<hostdev mode='capabilities' type='net'>`: a host NIC (a veth end stands in for one)
    /// moves into the container with its addresses and routes, and comes back under its own
    /// name at the end — even renamed inside, and also when the start fails after moving it.
    @Test func aHostNICMovesInAndComesBack() throws {
        try ContainerSandbox.with { sandbox in
            let network = try TestNetwork(in: sandbox.directory)
            try network.ip(["-n", network.name, "link", "add", "nicA", "type", "veth", "peer", "name", "wireA"])
            try network.ip(["-n", network.name, "addr", "add", "10.79.0.1/24", "dev", "wireA"])
            try network.ip(["-n", network.name, "link", "set", "wireA", "up"])
            let hostdev = """
                <hostdev mode='capabilities' type='net'>
                  <source><interface>nicA</interface></source>
                  <ip address='10.79.0.2' family='ipv4' prefix='24'/>
                  <route family='ipv4' address='0.0.0.0' gateway='10.79.0.1'/>
                </hostdev>
                """
            let before = try network.ip(["-n", network.name, "-o", "link", "show", "nicA"])
            let script = "ip -o addr show nicA | grep 'inet '; ip route; ping -c1 -W2 10.79.0.1 >/dev/null && echo ping-ok; ip link set nicA down; "
                + "ip link set nicA mtu 1280; ip link set nicA address 02:de:ad:be:ef:01; ip link set nicA name renamed0"
            let run = try sandbox.run(sandbox.domain("nic", script: script, devices: hostdev), name: "nic", networkNamespace: network.name)
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output.contains("inet 10.79.0.2/24") && run.output.contains("default via 10.79.0.1 dev nicA") && run.output.contains("ping-ok"),
                    "\(run.output)")
            #expect(try network.links().contains("nicA@"), "back under its own name: \(network.shownLinks)")
            // With its MTU and MAC as they were.
            let after = try network.ip(["-n", network.name, "-o", "link", "show", "nicA"])
            let mtu = { (line: String) in line.components(separatedBy: " mtu ").last?.prefix { $0.isNumber } ?? "" }
            let mac = { (line: String) in line.components(separatedBy: "link/ether ").last?.prefix(17) ?? "" }
            #expect(mtu(after) == mtu(before) && mac(after) == mac(before), "before: \(before)\nafter: \(after)")

            // A start that fails after the move (a missing bridge for the next element) gives it back too.
            let failing = try sandbox.run(sandbox.domain("nic", script: "true", devices: hostdev + "<interface type='bridge'><source bridge='br9'/></interface>"),
                                          name: "nic", networkNamespace: network.name)
            #expect(failing.status == 125 && failing.errors.contains("bridge 'br9' does not exist"), "\(failing.errors)")
            #expect(try network.links().contains("nicA@"), "\(network.shownLinks)")

            // A second host NIC that is not there: the first, moved already, comes back.
            let second = try sandbox.run(sandbox.domain("nic", script: "true", devices: hostdev + "<hostdev mode='capabilities' type='net'><source><interface>nope</interface></source></hostdev>"),
                                         name: "nic", networkNamespace: network.name)
            #expect(second.status == 125 && second.errors.contains("host interface 'nope' does not exist"), "\(second.errors)")
            #expect(try network.links().contains("nicA@"), "\(network.shownLinks)")

            // Moved away by the container (into a namespace of its own): reported, not silently lost.
            let away = try sandbox.run(sandbox.domain("nic", script: "unshare -n sleep 2 & sleep 0.3; ip link set nicA netns $!; echo moved", devices: hostdev),
                                       name: "nic", networkNamespace: network.name)
            #expect(away.output.contains("moved") && away.errors.contains("cannot return its host NICs (nicA): nicA: not in the container any more"),
                    "\(away.output)\(away.errors)")

            let missing = try sandbox.run(sandbox.domain("nic", script: "true", devices: "<hostdev mode='capabilities' type='net'><source><interface>nicZ</interface></source></hostdev>"),
                                          name: "nic", networkNamespace: network.name)
            #expect(missing.status == 125 && missing.errors.contains("<hostdev mode='capabilities' type='net'>: host interface 'nicZ' does not exist"),
                    "\(missing.errors)")
        }
    }

    /// `type='ethernet'` with host-side `<source><ip>`/`<route>` (libvirt's place for them): a
    /// point-to-point pair, the host end addressed and routed, no bridge.
    @Test func ethernetHasHostSideAddressesAndRoutes() throws {
        try ContainerSandbox.with { sandbox in
            let network = try TestNetwork(in: sandbox.directory)
            let devices = """
                <interface type='ethernet'>
                  <source>
                    <ip address='10.80.0.1' family='ipv4' prefix='32' peer='10.80.0.2'/>
                    <route family='ipv4' address='10.81.0.0' prefix='24' gateway='10.80.0.2'/>
                  </source>
                  <ip address='10.80.0.2' family='ipv4' prefix='32' peer='10.80.0.1'/>
                  <route family='ipv4' address='0.0.0.0' gateway='10.80.0.1'/>
                  <target dev='vt-p2p'/>
                </interface>
                """
            let (process, output) = try Self.start(sandbox.domain("p2p", script: "trap 'exit 0' TERM; ping -c1 -W2 10.80.0.1 >/dev/null && echo ping-ok; sleep 30 & wait",
                                                                  devices: devices), name: "p2p", sandbox: sandbox, network: network)
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
            ContainerSandbox.waitUntil({ (try? String(contentsOfFile: output, encoding: .utf8))?.contains("ping-ok") == true })
            let addresses = try network.ip(["-n", network.name, "addr", "show", "vt-p2p"])
            #expect(addresses.contains("inet 10.80.0.1 peer 10.80.0.2/32"), "\(addresses)")
            let routes = try network.ip(["-n", network.name, "route"])
            #expect(routes.contains("10.81.0.0/24 via 10.80.0.2 dev vt-p2p"), "\(routes)")
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
            #expect(try String(contentsOfFile: output, encoding: .utf8).contains("ping-ok"))
            #expect(try network.waitForNoLink(startingWith: "vt-p2p"), "\(network.shownLinks)")
        }
    }

    /// Two launchers of one name (two state directories): the second may not take the first's
    /// running host end for a leftover.
    @Test func aRunningContainersHostEndIsNotALeftover() throws {
        try ContainerSandbox.with { sandbox in
            let network = try TestNetwork(in: sandbox.directory)
            try network.bridge("br0")
            let devices = "<interface type='bridge'><source bridge='br0'/></interface>"
            let (process, output) = try Self.start(sandbox.domain("dup", script: "trap 'exit 0' TERM; echo up; sleep 30 & wait", devices: devices),
                                                   name: "dup", sandbox: sandbox, network: network)
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
            ContainerSandbox.waitUntil({ (try? String(contentsOfFile: output, encoding: .utf8))?.contains("up") == true })
            let file = "\(sandbox.directory)/dup2.xml"
            try sandbox.domain("dup", script: "true", devices: devices).write(toFile: file, atomically: true, encoding: .utf8)
            // Another cgroup parent, as a second corrald's would be (the same one is refused
            // earlier: a busy cgroup); removed at the end in every hierarchy.
            let otherParent = sandbox.cgroupParent + "-other"
            defer { Self.removeCgroupParent(otherParent) }
            let second = try network.exec([ContainerSandbox.corralctl, "run", file, "--state-dir", "\(sandbox.directory)/other-state",
                                           "--cgroup-parent", otherParent])
            #expect(second.status == 125 && second.errors.contains("host interface 'vc-dup' belongs to a running container of this name"),
                    "\(second.errors)")
            #expect(try network.links().contains("vc-dup@"), "the first keeps its host end: \(network.shownLinks)")
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
    }

    /// A launcher killed outright (its init dies with it) leaves no host end either.
    @Test func aKilledLauncherLeavesNoLink() throws {
        try ContainerSandbox.with { sandbox in
            let network = try TestNetwork(in: sandbox.directory)
            try network.bridge("br0")
            let definition = sandbox.domain("doomed", script: "sleep 1000",
                                            devices: "<interface type='bridge'><source bridge='br0'/></interface>")
            let run = try sandbox.run(definition, name: "doomed", signalAfter: (0.5, SIGKILL), networkNamespace: network.name)
            #expect(run.status == 128 + SIGKILL)
            // Its init dies of the parent-death signal; the host's init reaps it.
            ContainerSandbox.waitUntil { sandbox.processesRootedHere().isEmpty }
            #expect(try network.waitForNoLink(startingWith: "vc-doomed"), "\(network.shownLinks)")
            // The next start of the name reclaims what the killed launcher left (its staging directory).
            let again = try sandbox.run(sandbox.domain("doomed", script: "true", devices: "<interface type='bridge'><source bridge='br0'/></interface>"),
                                        name: "doomed", networkNamespace: network.name)
            #expect(again.status == 0, "\(again.errors)")
        }
    }

    /// Each start that cannot be made names the file, the line, the element and the object —
    /// exit 125, nothing made left behind, nothing of anyone else's touched.
    @Test func failedStartsNameTheProblemAndLeaveNothing() throws {
        try ContainerSandbox.with { sandbox in
            let network = try TestNetwork(in: sandbox.directory)
            try network.bridge("br0")
            try network.ip(["-n", network.name, "link", "add", "nic0", "type", "veth", "peer", "name", "nic1"])
            try network.ip(["-n", network.name, "link", "add", "taken0", "type", "veth", "peer", "name", "taken1"])
            let cases: [(devices: String, error: String)] = [
                ("<interface type='bridge'><source bridge='br9'/></interface>", "<interface type='bridge'>: bridge 'br9' does not exist"),
                ("<interface type='bridge'><source bridge='nic0'/></interface>", "<interface type='bridge'>: 'nic0' is not a bridge (it is a veth link)"),
                ("<interface type='ethernet'><target dev='taken0'/></interface>",
                 "<interface type='ethernet'>: host interface 'taken0' already exists and is not this container's (choose another <target dev>)"),
                ("<interface type='bridge'><source bridge='br0'/><bandwidth><inbound average='100'/></bandwidth></interface>",
                 "<bandwidth>: not supported by Corral; remove it to start this container"),
                ("<interface type='direct'><source dev='nic9' mode='vepa'/></interface>", "<interface type='direct'>: host interface 'nic9' does not exist"),
                ("<interface type='user'/>", "<interface>: not supported by Corral"),
                // The first interface is made, the second fails: the first goes with the namespace.
                ("<interface type='bridge'><source bridge='br0'/><target dev='vt-first'/></interface><interface type='bridge'><source bridge='br9'/></interface>",
                 "bridge 'br9' does not exist"),
            ]
            for (devices, error) in cases {
                let run = try sandbox.run(sandbox.domain("broken", script: "echo ran", devices: devices), name: "broken", networkNamespace: network.name)
                #expect(run.status == 125, "\(devices): \(run.status)")
                #expect(run.errors.contains("broken.xml:") && run.errors.contains(error), "\(devices):\n\(run.errors)")
                #expect(!run.output.contains("ran"))
            }
            #expect(try network.waitForNoLink(startingWith: "vt-first"), "\(network.shownLinks)")
            #expect(try network.waitForNoLink(startingWith: "vc-broken"), "\(network.shownLinks)")
            let links = try network.links()
            #expect(links.contains("taken0@") && links.contains("nic0@"), "others' links are untouched: \(links)")
        }
    }

    /// A host end of this container's left from an earlier run (its alias says so) is deleted
    /// at the next start instead of failing with "File exists".
    @Test func aLeftoverOfTheSameContainerIsSweptAway() throws {
        try ContainerSandbox.with { sandbox in
            let network = try TestNetwork(in: sandbox.directory)
            try network.bridge("br0")
            try network.ip(["-n", network.name, "link", "add", "vc-sweep", "type", "veth", "peer", "name", "old-peer"])
            // Its alias names this container and an init long gone.
            try network.ip(["-n", network.name, "link", "set", "vc-sweep", "alias", "corral:sweep 999999 1"])
            let run = try sandbox.run(sandbox.domain("sweep", script: "ip -o link show eth0",
                                                     devices: "<interface type='bridge'><source bridge='br0'/></interface>"),
                                      name: "sweep", networkNamespace: network.name)
            #expect(run.status == 0 && run.output.contains("eth0@"), "\(run.output)\(run.errors)")
            #expect(!(try network.links()).contains("old-peer"), "the leftover pair is gone")
            // Started again at once, while the kernel still tears down the last run's pair: its
            // host end is recognised (by its alias) as this container's, and replaced.
            for _ in 0..<5 {
                let again = try sandbox.run(sandbox.domain("sweep", script: "true", devices: "<interface type='bridge'><source bridge='br0'/></interface>"),
                                            name: "sweep", networkNamespace: network.name)
                #expect(again.status == 0, "\(again.errors)")
            }
        }
    }
}
