/// `<features>`: the capability policy, plus features Corral keeps but does not model.
public struct Features: Sendable, Equatable {
    /// `<capabilities policy='…'>`; nil when absent (same as policy 'default').
    public var capabilities: CapabilityPolicy?
    /// Other `<features>` children (`<privnet/>`, …), written back unchanged.
    public var preserved: [PreservedElement]

    public init(capabilities: CapabilityPolicy? = nil, preserved: [PreservedElement] = []) {
        self.capabilities = capabilities
        self.preserved = preserved
    }

    public var isEmpty: Bool { capabilities == nil && preserved.isEmpty }
}

/// `<capabilities policy='default|allow|deny'>` with per-capability `state='on|off'`,
/// exactly as libvirt defines it: the policy gives the starting set, each child turns one
/// capability on or off.
public struct CapabilityPolicy: Sendable, Hashable {
    public enum Base: String, Sendable, CaseIterable {
        /// The launcher's default set.
        case `default`
        /// Every capability.
        case allow
        /// No capability.
        case deny
    }

    public var base: Base
    /// Overrides sorted by capability (libvirt's order), at most one per capability.
    public var overrides: [CapabilityOverride]

    public init(base: Base = .default, overrides: [CapabilityOverride] = []) {
        self.base = base
        self.overrides = overrides.sorted { $0.capability.rawValue < $1.capability.rawValue }
    }
}

/// One `<NAME state='on|off'/>` inside `<capabilities>`.
public struct CapabilityOverride: Sendable, Hashable {
    public var capability: Capability
    public var enabled: Bool

    public init(capability: Capability, enabled: Bool) {
        self.capability = capability
        self.enabled = enabled
    }
}

/// The capabilities libvirt's schema names, in libvirt's order (which the formatter keeps).
public enum Capability: Int, Sendable, CaseIterable {
    case auditControl, auditWrite, blockSuspend, chown, dacOverride, dacReadSearch, fowner,
        fsetid, ipcLock, ipcOwner, kill, lease, linuxImmutable, macAdmin, macOverride, mknod,
        netAdmin, netBindService, netBroadcast, netRaw, setgid, setfcap, setpcap, setuid,
        sysAdmin, sysBoot, sysChroot, sysModule, sysNice, sysPacct, sysPtrace, sysRawio,
        sysResource, sysTime, sysTtyConfig, syslog, wakeAlarm

    /// The element name libvirt uses (`sys_admin`), which is the kernel's name without `CAP_`.
    public var name: String { Capability.names[rawValue] }

    public init?(name: String) {
        guard let index = Capability.names.firstIndex(of: name) else { return nil }
        self.init(rawValue: index)
    }

    private static let names = [
        "audit_control", "audit_write", "block_suspend", "chown", "dac_override",
        "dac_read_search", "fowner", "fsetid", "ipc_lock", "ipc_owner", "kill", "lease",
        "linux_immutable", "mac_admin", "mac_override", "mknod", "net_admin", "net_bind_service",
        "net_broadcast", "net_raw", "setgid", "setfcap", "setpcap", "setuid", "sys_admin",
        "sys_boot", "sys_chroot", "sys_module", "sys_nice", "sys_pacct", "sys_ptrace",
        "sys_rawio", "sys_resource", "sys_time", "sys_tty_config", "syslog", "wake_alarm",
    ]
}
