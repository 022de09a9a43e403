import CorralRuntime
@testable import corrald
import Testing

/// corrald's place under systemd, computed without root.
@Suite struct DelegatedCgroupTests {
    @Test func underSystemdOnCgroup2TheUnitsCgroupIsSplit() throws {
        let delegated = try #require(DelegatedCgroup(own: "/system.slice/corrald.service", layout: .unified(root: "/sys/fs/cgroup"),
                                                     underSystemd: true))
        #expect(delegated.daemonLeaf == "system.slice/corrald.service/daemon")
        #expect(delegated.containerParent == "system.slice/corrald.service/containers")
    }

    @Test func nothingToDelegateElsewhere() {
        #expect(DelegatedCgroup(own: "/system.slice/corrald.service", layout: .unified(root: "/sys/fs/cgroup"), underSystemd: false) == nil)
        #expect(DelegatedCgroup(own: "/", layout: .unified(root: "/sys/fs/cgroup"), underSystemd: true) == nil)
        #expect(DelegatedCgroup(own: "/x", layout: .legacy(hierarchies: [:], unified: "/u"), underSystemd: true) == nil)
    }
}
