/// What happens when init ends, per cause (libvirt's on_poweroff / on_reboot / on_crash).
public struct Lifecycle: Sendable, Hashable {
    public var onPoweroff: LifecycleAction
    public var onReboot: LifecycleAction
    public var onCrash: LifecycleAction

    /// libvirt's defaults: a powered-off or crashed domain is destroyed, a rebooted one restarts.
    public init(onPoweroff: LifecycleAction = .destroy, onReboot: LifecycleAction = .restart,
                onCrash: LifecycleAction = .destroy) {
        self.onPoweroff = onPoweroff
        self.onReboot = onReboot
        self.onCrash = onCrash
    }
}

/// The actions Corral implements; libvirt's rename-restart and coredump-* are refused by name.
public enum LifecycleAction: String, Sendable, CaseIterable {
    /// Tear the container down and leave it stopped.
    case destroy
    /// Start it again (with back-off).
    case restart
    /// Leave the stopped container's resources in place for inspection.
    case preserve
}
