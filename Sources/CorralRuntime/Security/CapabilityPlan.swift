import CorralDomain

/// Which capabilities a container's init keeps, from `<features><capabilities>` exactly as
/// libvirt defines it: the policy gives the starting set — `default` Corral's default set,
/// `allow` every capability, `deny` none — and each `<NAME state='on|off'/>` adds or removes one.
public struct CapabilityPlan: Sendable, Equatable {
    /// The capabilities libvirt can name that init keeps.
    public let kept: Set<Capability>
    /// Capabilities newer than libvirt's list (perfmon, bpf, checkpoint_restore, …), which only
    /// the `allow` policy keeps.
    public let keepsUnnamed: Bool

    /// Dropped by default: what crun's OCI default and libvirt-lxc agree a container must not
    /// have — loading modules, raw I/O, setting the clock, MAC policy, auditing control,
    /// process accounting, the kernel log, wake alarms, blocking suspend — and mknod, as no
    /// device cgroup keeps a container from making a node for a host disk. Kept: what a
    /// system init needs, sys_admin and sys_boot (so `reboot` inside works) among them.
    public static let droppedByDefault: Set<Capability> = [
        .sysModule, .sysRawio, .sysTime, .macAdmin, .macOverride, .auditControl, .sysPacct, .syslog,
        .wakeAlarm, .blockSuspend, .mknod,
    ]

    public init(_ policy: CapabilityPolicy?) {
        let policy = policy ?? CapabilityPolicy()
        var kept: Set<Capability>
        switch policy.base {
        case .default: kept = Set(Capability.allCases).subtracting(CapabilityPlan.droppedByDefault)
        case .allow: kept = Set(Capability.allCases)
        case .deny: kept = []
        }
        for override in policy.overrides {
            if override.enabled { kept.insert(override.capability) } else { kept.remove(override.capability) }
        }
        self.kept = kept
        keepsUnnamed = policy.base == .allow
    }
}
