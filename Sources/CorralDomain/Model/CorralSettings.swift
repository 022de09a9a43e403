/// Corral-only settings from `<metadata><corral:container xmlns:corral='…'>`.
public struct CorralSettings: Sendable, Hashable {
    /// The namespace that marks Corral's metadata element; the prefix is free.
    public static let namespaceURI = "https://corral.dev/xmlns/container/1"

    /// `<corral:stop signal='…'>`: sent to init for a graceful stop; nil = the runtime's default.
    public var stopSignal: Signal?
    /// `<corral:stop timeout='…'>` in seconds: how long to wait before SIGKILL; nil = default.
    public var stopTimeoutSeconds: UInt32?

    public init(stopSignal: Signal? = nil, stopTimeoutSeconds: UInt32? = nil) {
        self.stopSignal = stopSignal
        self.stopTimeoutSeconds = stopTimeoutSeconds
    }

    public var isEmpty: Bool { stopSignal == nil && stopTimeoutSeconds == nil }
}
