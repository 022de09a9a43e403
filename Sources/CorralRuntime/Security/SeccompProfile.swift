import CorralDomain

/// The syscalls a container's filter answers with EPERM: crun's OCI default's spirit — the
/// kernel's, the clock's and the host's business — changed per container by
/// `<corral:seccomp>` (deny more, allow some back, or no filter).
public struct SeccompProfile: Sendable, Equatable {
    /// Denied by default.
    public static let defaultDenied: [String] = [
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "open_by_handle_at",
        "swapon", "swapoff", "acct", "keyctl", "add_key", "request_key", "userfaultfd", "perf_event_open", "bpf",
        "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "quotactl", "quotactl_fd", "lookup_dcookie",
        "iopl", "ioperm",
    ]

    /// Sorted names to answer with EPERM; nil when the filter is off.
    public let denied: [String]?
    /// A filesystem may not be remounted read-write (EPERM), and the mount API's other ways to
    /// change a mount's flags are refused, so `mount -o remount,rw /proc/sys` fails. Bind
    /// remounts stay allowed for systemd's sandboxing; see the README's Security section for
    /// what that leaves to a root with CAP_SYS_ADMIN.
    public let restrictsRemounts: Bool

    public init(_ settings: SeccompSettings) {
        guard settings.enabled else {
            denied = nil
            restrictsRemounts = false
            return
        }
        // Sorted arrays, not sets: the first Set<String> a process fills costs a start ~50 µs of
        // generic metadata (README, "Start latency"), and a typical start needs none.
        denied = SeccompProfile.sortedDifference((SeccompProfile.defaultDenied + settings.deny).sorted(),
                                                 minus: settings.allow.sorted())
        restrictsRemounts = !settings.allow.contains("mount") && !settings.allow.contains("mount_setattr")
    }

    /// The names of the sorted `names` that are not in the sorted `removed`, each once.
    static func sortedDifference(_ names: [String], minus removed: [String]) -> [String] {
        var result: [String] = []
        var next = removed.startIndex
        for name in names where result.last != name {
            while next < removed.endIndex && removed[next] < name { next += 1 }
            if next < removed.endIndex && removed[next] == name { continue }
            result.append(name)
        }
        return result
    }
}
