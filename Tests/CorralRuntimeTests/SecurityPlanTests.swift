import CorralDomain
@testable import CorralRuntime
import Testing

/// libvirt's capability policy and Corral's seccomp profile, computed without root.
@Suite struct SecurityPlanTests {
    static func policy(_ xml: String) throws -> CapabilityPolicy? {
        try DomainParser.parse("<domain type='lxc'><name>a</name><os><type>exe</type><init>/i</init></os><features>\(xml)</features></domain>",
                               file: "t.xml").features.capabilities
    }

    @Test func defaultKeepsWhatAnInitNeedsAndDropsTheRest() {
        let plan = CapabilityPlan(nil)
        for dropped in [Capability.sysModule, .sysRawio, .sysTime, .macAdmin, .macOverride, .auditControl, .sysPacct,
                        .syslog, .wakeAlarm, .blockSuspend, .mknod] {
            #expect(!plan.kept.contains(dropped), "\(dropped.name) must be dropped")
        }
        for kept in [Capability.sysBoot, .sysAdmin, .chown, .setuid, .setgid, .kill, .netBindService, .sysChroot] {
            #expect(plan.kept.contains(kept), "\(kept.name) must be kept")
        }
        #expect(!plan.keepsUnnamed)
    }

    @Test func policiesAndOverridesAreLibvirts() throws {
        let allowed = CapabilityPlan(try Self.policy("<capabilities policy='allow'><sys_module state='off'/></capabilities>"))
        #expect(allowed.kept == Set(Capability.allCases).subtracting([.sysModule]))
        #expect(allowed.keepsUnnamed)
        let denied = CapabilityPlan(try Self.policy("<capabilities policy='deny'><chown state='on'/></capabilities>"))
        #expect(denied.kept == [.chown])
        let adjusted = CapabilityPlan(try Self.policy("<capabilities policy='default'><mknod state='on'/><sys_admin state='off'/></capabilities>"))
        #expect(adjusted.kept.contains(.mknod))
        #expect(!adjusted.kept.contains(.sysAdmin))
    }

    @Test func kernelMaskDropsEverythingNotKept() throws {
        let mask = KernelCapabilities.mask(CapabilityPlan(try Self.policy("<capabilities policy='deny'/>")))
        #expect(mask.words == [0, 0])
        #expect(mask.dropped.count == KernelCapabilities.count)
    }

    @Test func seccompDefaultsAndChanges() {
        let standard = SeccompProfile(SeccompSettings())
        #expect(standard.denied == SeccompProfile.defaultDenied.sorted())
        #expect(standard.restrictsRemounts)
        let changed = SeccompProfile(SeccompSettings(deny: ["ptrace"], allow: ["bpf", "perf_event_open"]))
        #expect(changed.denied?.contains("ptrace") == true)
        #expect(changed.denied?.contains("bpf") == false)
        #expect(changed.denied?.contains("perf_event_open") == false)
        #expect(SeccompProfile(SeccompSettings(enabled: false)).denied == nil)
        #expect(!SeccompProfile(SeccompSettings(allow: ["mount"])).restrictsRemounts)
    }

    @Test func seccompCompilesToBPF() throws {
        let profile = SeccompProfile(SeccompSettings())
        let program = try SeccompProgram.compile(profile, denied: profile.denied ?? [])
        #expect(program.count > 0 && program.count % 8 == 0)
        #expect(throws: RuntimeError.self) { try SeccompProgram.compile(profile, denied: ["no_such_syscall"]) }
    }
}

/// The filter's deny list: Corral's defaults plus `deny`, minus `allow`, sorted, each once.
@Suite struct SeccompDenyListTests {
    @Test func sortedDifferenceKeepsEachNameOnceAndDropsTheAllowed() {
        #expect(SeccompProfile.sortedDifference(["a", "b", "b", "c", "d"], minus: ["b", "x"]) == ["a", "c", "d"])
        #expect(SeccompProfile.sortedDifference([], minus: ["a"]) == [])
        #expect(SeccompProfile.sortedDifference(["a", "a"], minus: []) == ["a"])
    }

    @Test func theProfileDeniesTheDefaultsBesideTheDefinitionsChoice() {
        let plain = SeccompProfile(SeccompSettings())
        let defaults = Array(Set(SeccompProfile.defaultDenied)).sorted()
        #expect(plain.denied == defaults)
        var settings = SeccompSettings()
        settings.deny = ["acct", "zz_unknown", "acct"]
        settings.allow = [defaults[0], "zz_unknown"]
        let adjusted = SeccompProfile(settings)
        #expect(adjusted.denied == Array(Set(defaults + ["acct"]).subtracting([defaults[0]])).sorted())
    }
}
