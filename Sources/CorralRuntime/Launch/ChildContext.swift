import Glibc
import CCorralSys

/// Everything the child needs between clone and exec, as plain values and pointers into the
/// launch's arena. Trivial type: copying or reading it never allocates, retains or locks.
struct ChildContext {
    /// The monitor's ends of the launch's pipes, which every child closes first: a child
    /// holding one would keep the monitor (or another child) from ever seeing end of file.
    var monitorDescriptors: UnsafeBufferPointer<Int32>
    /// Read end of the monitor's "go" pipe: init waits there until its maps are written, then
    /// until it is in its cgroups.
    var goDescriptor: Int32
    /// Write end of the CLOEXEC error pipe: a `ChildFailure` record, or EOF when exec succeeds.
    var errorDescriptor: Int32
    /// The mount namespace channel: the mounter sends on its end, init receives on the other.
    var mounterChannel: Int32
    var initChannel: Int32
    /// Init's pidfd: the mounter enters the container's user namespace through it (setns of a
    /// pidfd) once its mounts are made.
    var initDescriptor: Int32 = -1
    /// The launcher's own network, UTS, IPC and PID namespaces, open while it clones the
    /// mounter (to return to them), which the mounter closes first: they are the host's.
    var launcherNamespaces: (Int32, Int32, Int32, Int32) = (-1, -1, -1, -1)
    /// Host uid and gid of the container's root: mount targets the mounter creates belong to it.
    var rootOwner: (uid: UInt32, gid: UInt32)
    /// The console pty's slave, or -1: init's controlling terminal and stdin/stdout/stderr.
    var consoleDescriptor: Int32
    /// Without a console: descriptors that replace init's stdin, stdout and stderr (-1: keep
    /// the caller's), such as pipes standing in for the caller's terminal.
    var standardStreams: (Int32, Int32, Int32) = (-1, -1, -1)
    /// Absolute host path the root is mounted on; nil = the container keeps the host's root.
    var stagingRoot: UnsafePointer<CChar>?
    var rootMount: ChildMount?
    var mounts: UnsafeBufferPointer<ChildMount>
    /// One slot per row of `mounts`: the mounter keeps there the detached mounts it prepares as
    /// the host's root for the unlocked rows, to attach them once inside the user namespace.
    var detachedMounts: UnsafeMutablePointer<Int32>
    var hostname: UnsafePointer<CChar>
    var hostnameLength: Int
    /// Request for SIOCSIFFLAGS on `lo`, filled in by the parent.
    var loopbackRequest: UnsafeMutablePointer<ifreq>
    /// <inituser> / <initgroup> as written: a name or a number; nil = stay root.
    var user: UnsafePointer<CChar>?
    var group: UnsafePointer<CChar>?
    /// Scratch space for reading /etc/passwd and /etc/group inside the container.
    var lookupBuffer: UnsafeMutablePointer<UInt8>
    var lookupBufferSize: Int
    /// Capabilities to drop from the bounding set, and the two 32-bit words of what init keeps
    /// (set by the preparation from the capability plan).
    var droppedCapabilities: UnsafeBufferPointer<Int32>
    var keptCapabilities: UnsafePointer<UInt32>?
    /// Two zero words: the empty capability set.
    var noCapabilities: UnsafePointer<UInt32>
    var noNewPrivileges: Bool
    /// The compiled seccomp filter, or nil for none.
    var seccompProgram: UnsafePointer<corral_bpf_program>?
    /// Signals whose disposition is not the default in the parent (ignored or handled), which
    /// the child resets before exec: dispositions to ignore survive execve.
    var signalsToReset: UnsafeBufferPointer<Int32>
    var initDirectory: UnsafePointer<CChar>
    var initPath: UnsafePointer<CChar>
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    var environment: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
}

/// One row of the child's mount table.
struct ChildMount {
    enum Kind: UInt8 {
        /// `open_tree` of a host path, recursively.
        case bindHost
        /// `open_tree` of a path resolved inside the container's root.
        case bindContainer
        /// `fsopen` + `fsconfig` + `fsmount` of a kernel filesystem.
        case filesystem
        /// `symlinkat` in the target's parent directory.
        case symlink
        /// `mknodat` of a character device in the target's parent directory: cheaper than a
        /// bind mount (no mount to make or tear down), where the container may make nodes.
        case deviceNode
    }

    var kind: Kind
    /// Index into the launch's step descriptions, for error records.
    var step: Int32
    /// bindHost: host path; bindContainer: path relative to the root; filesystem: type; symlink: link text.
    var source: UnsafePointer<CChar>
    /// Path relative to the container root, NUL-terminated and writable: the child cuts it at
    /// each '/' in place while creating missing directories.
    var target: UnsafeMutablePointer<CChar>
    var options: UnsafePointer<ChildMountOption>?
    var optionCount: Int
    /// MOUNT_ATTR_* bits for fsmount / mount_setattr.
    var attributes: UInt64
    /// The target is a file (a device node bind), not a directory.
    var targetIsFile: Bool
    /// Skip the mount when the target does not exist, rather than create it.
    var optional: Bool
    /// Made only after the parent placed the child in its cgroups (the cgroup2 view).
    var afterCgroupPlacement = false
    /// Attached after the tree is locked, in the container's own mount namespace (MountFlags.unlocked).
    var unlocked = false
    /// An unlocked row whose target lies in a locked filesystem: created by the mounter while it
    /// is still the host's root (the container's root may not own that directory).
    var createTargetEarly = false
    /// deviceNode: the device number and permission bits to create it with.
    var device: UInt64 = 0
    var mode: UInt32 = 0
}

/// An `fsconfig` key, with its string value or none for a flag.
struct ChildMountOption {
    var key: UnsafePointer<CChar>
    var value: UnsafePointer<CChar>?
}
