import CorralRuntime
@testable import corrald
import Testing

/// corrald's place under systemd, computed without root.
@Suite struct DelegatedCgroupTests {
    @Test func underSystemdOnCgroup2TheUnitsCgroupIsSplit() throws {
        let delegated = try #require(DelegatedCgroup(own: "/system.slice/corrald.service", layout: .unified(root: "/sys/fs/cgroup"),
                                                     underSystemd: true, leafName: "daemon"))
        #expect(delegated.leaf == "system.slice/corrald.service/daemon")
        #expect(delegated.containerParent == "system.slice/corrald.service/containers")
    }

    @Test func theHoldersSubtreeHasContainersAndMonitors() {
        let held = DelegatedCgroup(held: "/system.slice/corral-containers.service/")
        #expect(held.leaf == "system.slice/corral-containers.service/holder")
        #expect(held.containerParent == "system.slice/corral-containers.service/containers")
        #expect(held.monitorLeaf == "system.slice/corral-containers.service/monitors")
        #expect(DelegatedCgroup.unit(of: "/system.slice/corrald.service/daemon") == "corrald.service")
        #expect(DelegatedCgroup.unit(of: "/user.slice/user-0.slice/session-1.scope") == nil)
    }

    @Test func nothingToDelegateElsewhere() {
        #expect(DelegatedCgroup(own: "/system.slice/corrald.service", layout: .unified(root: "/sys/fs/cgroup"), underSystemd: false, leafName: "daemon") == nil)
        #expect(DelegatedCgroup(own: "/", layout: .unified(root: "/sys/fs/cgroup"), underSystemd: true, leafName: "daemon") == nil)
        #expect(DelegatedCgroup(own: "/x", layout: .legacy(hierarchies: [:], unified: "/u"), underSystemd: true, leafName: "daemon") == nil)
    }

    /// `systemctl list-jobs --no-legend --plain` as systemd 252 prints it during a restart.
    @Test func aRestartJobIsToldFromAStop() {
        let listing = """
            1234 corrald.service restart running
            1240 corral-containers.service stop waiting
            """
        #expect(SystemdJob.jobType(of: "corrald.service", inListing: listing) == "restart")
        #expect(SystemdJob.jobType(of: "corral-containers.service", inListing: listing) == "stop")
        #expect(SystemdJob.jobType(of: "other.service", inListing: listing) == nil)
        #expect(SystemdJob.jobType(of: "corrald.service", inListing: "") == nil)
    }
}
