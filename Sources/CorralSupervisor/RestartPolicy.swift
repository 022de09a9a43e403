import CorralDomain
import CorralRuntime

/// What to do when init ended (libvirt's on_poweroff / on_reboot / on_crash), and how long to
/// wait before a restart: 1 s, doubling up to 60 s for consecutive restarts, with the count
/// reset once the container has run for 10 minutes; a first reboot restarts at once.
public enum RestartPolicy {
    public static let firstDelay: Int64 = 1
    public static let maximumDelay: Int64 = 60
    public static let resetAfterSeconds: Int64 = 600
    /// From this many restarts in a row the record says "crash loop" (the README says 3).
    public static let crashLoopRestarts = 3

    public static func action(for reason: ContainerExit.Reason, lifecycle: Lifecycle) -> LifecycleAction {
        switch reason {
        case .poweredOff: lifecycle.onPoweroff
        case .rebooted: lifecycle.onReboot
        case .crashed: lifecycle.onCrash
        }
    }

    /// The consecutive-restart count after a run of `uptime` seconds.
    public static func consecutive(after uptime: Int64, previous: Int) -> Int {
        uptime >= resetAfterSeconds ? 1 : previous + 1
    }

    /// Seconds to wait before the `consecutive`-th restart in a row.
    public static func delay(consecutive: Int, reason: ContainerExit.Reason) -> Int64 {
        if consecutive <= 1 { return reason == .rebooted ? 0 : firstDelay }
        let doublings = min(consecutive - 1, 6)
        return min(maximumDelay, firstDelay << Int64(doublings))
    }
}
