import Glibc

/// How init ended, and what that means for the container (docs/ARCHITECTURE.md §4).
public struct ContainerExit: Sendable, Equatable, CustomStringConvertible {
    public enum Status: Sendable, Equatable {
        case exited(Int32)
        case killed(signal: Int32)
    }

    /// Why the container stopped, mapped to on_poweroff / on_reboot / on_crash.
    public enum Reason: String, Sendable {
        case poweredOff = "powered off"
        case rebooted
        case crashed
    }

    public let status: Status
    /// Set when the kernel's OOM killer acted in the container's cgroup and init died of
    /// SIGKILL: the memory limit it ran into (nil when unlimited), as `limitReached`.
    public var outOfMemory: (limitReached: Bool, limit: UInt64?)?

    public init(status: Status, outOfMemory: (limitReached: Bool, limit: UInt64?)? = nil) {
        self.status = status
        self.outOfMemory = outOfMemory
    }

    public static func == (left: ContainerExit, right: ContainerExit) -> Bool {
        left.status == right.status && left.outOfMemory?.limit == right.outOfMemory?.limit
            && (left.outOfMemory == nil) == (right.outOfMemory == nil)
    }

    /// The kernel reports reboot(2) inside a PID namespace as init killed by SIGHUP (restart)
    /// or SIGINT (power off, halt); a clean exit is a power-off too; anything else a crash.
    public var reason: Reason {
        switch status {
        case .killed(signal: SIGHUP): .rebooted
        case .killed(signal: SIGINT), .exited(0): .poweredOff
        default: .crashed
        }
    }

    /// The shell's convention: the exit status, or 128 + the signal that killed init.
    public var exitCode: Int32 {
        switch status {
        case .exited(let code): code
        case .killed(let signal): 128 + signal
        }
    }

    public var description: String { "\(how) (\(reason.rawValue))" }

    /// How init ended, without what that means for its policy (a stop on request kills init
    /// after its timeout, which is no crash).
    public var how: String {
        switch status {
        case .exited(let code): return "init exited with status \(code)"
        case .killed(let signal):
            guard let outOfMemory else { return "init was killed by signal \(signal)" }
            let limit = outOfMemory.limit.map { "limit \(MemorySize.text($0))" } ?? "no limit"
            return "init was killed by signal \(signal): out of memory (\(limit))"
        }
    }
}
