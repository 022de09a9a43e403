import CorralTestSupport
import Foundation
import Testing

/// A network namespace of a test's own (`ip netns add corral-test-net-…`), where it builds
/// its bridges and stand-in NICs and runs containers: the machine's own interfaces are never
/// touched, and traffic goes only to this namespace. Removed at the end, with everything in it.
final class TestNetwork {
    let name: String
    let directory: String

    init(in directory: String) throws {
        name = "corral-test-net-\(UUID().uuidString.prefix(8).lowercased())"
        self.directory = directory
        try ip(["netns", "add", name])
        try ip(["-n", name, "link", "set", "lo", "up"])
    }

    deinit {
        // The namespace takes its bridges and veth ends with it; it may already be gone.
        _ = try? ContainerSandbox.run("/usr/sbin/ip", ["netns", "delete", name], in: directory)
    }

    /// A bridge in the namespace, up, with `address` (CIDR) if given.
    func bridge(_ bridge: String, address: String? = nil) throws {
        try ip(["-n", name, "link", "add", bridge, "type", "bridge"])
        if let address { try ip(["-n", name, "addr", "add", address, "dev", bridge]) }
        try ip(["-n", name, "link", "set", bridge, "up"])
    }

    /// Runs `command` in the namespace — only the network one: `ip netns exec` would also
    /// remount /sys, hiding the cgroups from a container started there.
    func exec(_ command: [String]) throws -> ContainerSandbox.Run {
        try ContainerSandbox.run("/usr/bin/nsenter", ["--net=/run/netns/\(name)", "--"] + command, in: directory)
    }

    /// `ip -br link` of the namespace: one "NAME STATE MAC FLAGS" line per link.
    func links() throws -> String { try ip(["-n", name, "-br", "link"]) }

    /// The same for a failure message: what ip said when it failed.
    var shownLinks: String {
        do { return try links() } catch { return "(ip link failed: \(error))" }
    }

    @discardableResult
    func ip(_ arguments: [String]) throws -> String {
        let run = try ContainerSandbox.run("/usr/sbin/ip", arguments, in: directory)
        try #require(run.status == 0, "ip \(arguments.joined(separator: " ")): \(run.errors)")
        return run.output
    }

    /// Waits (up to 5 s) until no link of the namespace has a name starting with `prefix`:
    /// a container's end is asynchronous, and so is its namespace's teardown.
    func waitForNoLink(startingWith prefix: String) throws -> Bool {
        for _ in 0..<100 {
            if try !links().split(separator: "\n").contains(where: { $0.hasPrefix(prefix) }) { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }
}
