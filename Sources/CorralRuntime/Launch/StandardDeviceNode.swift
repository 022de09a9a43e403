import Glibc

/// The plan's standard character devices (/dev/null, /dev/zero, …) become device nodes, not
/// bind mounts: the mounter makes the container's tree as the host's root, before it enters
/// the user namespace, so it may mknod — and a node costs less than a mount. Not the console
/// pty (it belongs to one devpts instance), nor masks (they must be read-only mounts).
public enum StandardDeviceNode {
    /// The device number and mode of the node `step` becomes; nil when it stays a mount.
    public static func node(for step: MountStep) -> (number: UInt64, mode: UInt32)? {
        guard case .hostDevice(let path) = step.source, step.target.components.first == "dev",
              !step.flags.contains(.readOnly), !path.hasPrefix("/dev/pts/") else { return nil }
        var status = stat()
        guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFCHR else { return nil }
        return (UInt64(status.st_rdev), UInt32(status.st_mode & 0o7777))
    }
}
