import CorralRuntime
import Glibc

/// What systemd is doing to corrald's unit when it sends SIGTERM. systemd sends the same
/// signal for `systemctl stop`, for the host's shutdown and for the stop half of
/// `systemctl restart`; only its job queue tells them apart, and `systemctl list-jobs` reads
/// it over systemd's private socket (no D-Bus daemon needed, and systemctl is wherever systemd
/// is). A restart — an upgrade of corrald — keeps the containers; anything else stops them.
enum SystemdJob {
    /// systemd's job queue (`systemctl list-jobs`); throws when systemctl cannot say within
    /// `timeoutMilliseconds`.
    static func listing(timeoutMilliseconds: Int32 = 5000) throws -> String {
        try HostCommand.run(["systemctl", "list-jobs", "--no-legend", "--plain", "--no-pager", "--full"], timeoutMilliseconds: timeoutMilliseconds)
    }

    /// The type of the job on `unit` ("restart", "stop", …) in a listing of
    /// `systemctl list-jobs --no-legend --plain` lines, "JOB UNIT TYPE STATE"; nil for none.
    static func jobType(of unit: String, inListing listing: String) -> String? {
        for line in listing.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 4, fields[1] == unit { return String(fields[2]) }
        }
        return nil
    }
}
