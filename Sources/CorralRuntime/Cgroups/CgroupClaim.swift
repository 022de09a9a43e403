import Glibc

/// A host-wide claim on a container's cgroup path, held while its cgroup exists. Cgroups are
/// shared by every corrald and `corralctl run` on the host, whatever their state directories
/// (whose launcher records serialise starts of a name only within one): two starts of the same
/// path at once would each take the other's fresh, still empty directory for what a killed
/// launcher left, and make it afresh under the other — often neither ran, and the errors blamed
/// the host. An open-file-description lock on `/run/corral-cgroups/HASH.lock` (HASH: FNV-1a of
/// the path), so the second start is refused as busy; the lock goes with its descriptor, however
/// its holder ends, and the file with a release.
final class CgroupClaim {
    static let directory = "/run/corral-cgroups"

    let path: String
    private let descriptor: OwnedDescriptor

    static func path(of relativePath: String) -> String {
        var hash = FNV1a()
        hash.add(relativePath)
        return "\(directory)/\(String(hash.value, radix: 16)).lock"
    }

    /// The claim, or a busy error when another start holds it.
    init(_ relativePath: String) throws {
        path = CgroupClaim.path(of: relativePath)
        while true {
            let descriptor = try CgroupClaim.open(path)
            guard try descriptor.tryLock(exclusive: true, path: path) else {
                throw RuntimeError("cgroup '\(relativePath)' is in use: a container named like this one is already starting or running on this host",
                                   code: .busy)
            }
            // Locked — but perhaps a file its holder unlinked on release after this open: then
            // the claim is the file the path names now.
            var opened = stat(), named = stat()
            if fstat(descriptor.rawValue, &opened) == 0, stat(path, &named) == 0,
               opened.st_dev == named.st_dev, opened.st_ino == named.st_ino {
                self.descriptor = descriptor
                return
            }
        }
    }

    /// The claim file, created — and its directory first, after a boot — if need be.
    private static func open(_ path: String) throws -> OwnedDescriptor {
        let flags = O_RDWR | O_CREAT | O_NOFOLLOW | O_NOCTTY
        do {
            return try OwnedDescriptor.open(path, flags, mode: 0o600)
        } catch let error where error.errno == ENOENT {
            try HostDirectory.create(directory, mode: 0o700, parents: true, detail: "cgroup claims")
            return try OwnedDescriptor.open(path, flags, mode: 0o600)
        }
    }

    /// The claim file a killed holder left, removed when nobody holds it (taken and let go).
    static func removeUnheld(_ relativePath: String) {
        guard access(CgroupClaim.path(of: relativePath), F_OK) == 0 else { return }
        do {
            try CgroupClaim(relativePath).release()
        } catch {
            // Held by a start (busy): it stays theirs. Any other failure leaves an empty file,
            // which the next start of the path takes as it is.
        }
    }

    /// Lets go: the file first, while still locked (see init), then the lock.
    func release() {
        // ENOENT: removed by hand; nothing else can fail for a path this process just locked.
        _ = unlink(path)
        descriptor.close()
    }
}
