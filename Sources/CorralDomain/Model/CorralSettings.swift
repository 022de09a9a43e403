/// Corral-only settings from `<metadata><corral:container xmlns:corral='…'>`.
public struct CorralSettings: Sendable, Hashable {
    /// The namespace that marks Corral's metadata element; the prefix is free.
    public static let namespaceURI = "https://corral.dev/xmlns/container/1"

    /// `<corral:stop signal='…'>`: sent to init for a graceful stop; nil = the runtime's default.
    public var stopSignal: Signal?
    /// `<corral:stop timeout='…'>` in seconds: how long to wait before SIGKILL; nil = default.
    public var stopTimeoutSeconds: UInt32?

    /// `<corral:seccomp>`: changes to the default syscall filter.
    public var seccomp: SeccompSettings
    /// `<corral:pids max='N'/>`: the most tasks the container may have (nil = the runtime's default).
    public var pidsLimit: UInt32?
    /// `<corral:no_new_privileges state='off'/>` lets setuid programs in the container gain
    /// privileges (nil = the default, on).
    public var noNewPrivileges: Bool?

    public init(stopSignal: Signal? = nil, stopTimeoutSeconds: UInt32? = nil, seccomp: SeccompSettings = SeccompSettings(),
                noNewPrivileges: Bool? = nil) {
        self.stopSignal = stopSignal
        self.stopTimeoutSeconds = stopTimeoutSeconds
        self.seccomp = seccomp
        self.noNewPrivileges = noNewPrivileges
    }

    public var isEmpty: Bool {
        stopSignal == nil && stopTimeoutSeconds == nil && seccomp.isDefault && noNewPrivileges == nil && pidsLimit == nil
    }
}

/// `<corral:seccomp filter='on|off'>` with `<corral:deny syscall='…'/>` and
/// `<corral:allow syscall='…'/>`: the default filter, extra syscalls to deny, default denials
/// to lift — or no filter at all.
public struct SeccompSettings: Sendable, Hashable {
    public var enabled: Bool
    /// Sorted, each name once.
    public var deny: [String]
    public var allow: [String]

    public init(enabled: Bool = true, deny: [String] = [], allow: [String] = []) {
        self.enabled = enabled
        self.deny = deny.sorted()
        self.allow = allow.sorted()
    }

    public var isDefault: Bool { enabled && deny.isEmpty && allow.isEmpty }
}
