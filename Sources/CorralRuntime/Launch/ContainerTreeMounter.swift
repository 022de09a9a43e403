import Glibc
import CCorralSys

/// Builds the container's filesystem tree, as the host's root, inside init's network, UTS,
/// IPC and PID namespaces (so /proc, /sys and /dev/mqueue are the container's; the launcher
/// joins them for the clone and returns to its own at once) and a mount
/// namespace of the host's user namespace; pivots into it; then enters the container's user
/// namespace with a mount namespace of its own, which the kernel copies **locked** (no mount
/// can be unmounted to reveal what it covers, no read-only, nosuid, nodev or noexec flag
/// cleared, no fresh proc or sysfs mounted past the masks), and hands that namespace to init.
///
/// Like ChildSetup it runs between clone and exit without allocating: only the context, the
/// stack and system calls; failures are fixed-size records on the error pipe.
struct ContainerTreeMounter {
    let context: ChildContext

    func run() -> Never {
        // Not dumpable: once in the container's user namespace, its root could otherwise read
        // this process's memory and descriptors through /proc while it still holds the host's.
        // (Only fails for a bad argument, which 0 is not.)
        _ = corral_set_not_dumpable()
        for descriptor in context.monitorDescriptors { _ = close(descriptor) }
        let (network, uts, ipc, pids) = context.launcherNamespaces
        _ = close(network)
        _ = close(uts)
        _ = close(ipc)
        _ = close(pids)
        _ = close(context.initChannel)
        guard setgroups(0, nil) == 0 else { fail(.setGroups) }
        // Nothing mounted from here on may propagate back to the host.
        guard mount(nil, "/", nil, UInt(MS_REC | MS_PRIVATE), nil) == 0 else { fail(.makePrivate) }
        let root = mountRoot()
        let mounter = ChildMounter(root: root, errorDescriptor: context.errorDescriptor, owner: context.rootOwner)
        for index in 0..<context.mounts.count where !context.mounts[index].afterCgroupPlacement {
            let mount = context.mounts[index]
            if !mount.unlocked {
                mounter.perform(mount)
                continue
            }
            if mount.createTargetEarly { mounter.createTarget(mount) }
            if mount.kind != .bindContainer {
                // Made now, with the host root's access to its source; attached once locked.
                context.detachedMounts[index] = mounter.detachedMount(mount)
            }
        }
        if context.stagingRoot != nil { pivot(to: root) }
        _ = close(root)
        guard corral_setns(context.initDescriptor, Int32(CLONE_NEWUSER)) == 0 else { fail(.enterUserNamespace) }
        guard corral_unshare(UInt(CLONE_NEWNS)) == 0 else { fail(.lockMounts) }
        attachUnlockedMounts()
        // The namespace just made, through the container's own /proc (this process is in its
        // PID namespace), to init.
        let namespace = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC)
        guard namespace >= 0, corral_send_descriptor(context.mounterChannel, namespace) == 0 else { fail(.sendMounts) }
        _exit(0)
    }

    /// The writable filesystems of the definition, attached as the container's root in its
    /// own (now locked) mount namespace, so that they are not locked themselves: what they
    /// cover is the container's own root filesystem, and its init may unmount them.
    private func attachUnlockedMounts() {
        guard (0..<context.mounts.count).contains(where: { context.mounts[$0].unlocked }) else { return }
        guard corral_setresgid(0, 0, 0) == 0 else { fail(.setGroupID) }
        guard corral_setresuid(0, 0, 0) == 0 else { fail(.setUserID) }
        let root = open("/", CORRAL_O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else { fail(.openRoot) }
        let mounter = ChildMounter(root: root, errorDescriptor: context.errorDescriptor)
        for index in 0..<context.mounts.count where context.mounts[index].unlocked {
            mounter.attach(context.mounts[index], detached: context.detachedMounts[index])
        }
        _ = close(root)
    }

    /// Mounts the root filesystem on the staging directory and returns an O_PATH descriptor of
    /// the new root (or of the host's `/` when the container keeps it).
    private func mountRoot() -> Int32 {
        guard let stagingRoot = context.stagingRoot, let rootMount = context.rootMount else {
            let root = open("/", CORRAL_O_PATH | O_DIRECTORY | O_CLOEXEC)
            guard root >= 0 else { fail(.openRoot) }
            return root
        }
        let detached = ChildMounter(root: AT_FDCWD, errorDescriptor: context.errorDescriptor).detachedMount(rootMount)
        guard move_mount(detached, "", AT_FDCWD, stagingRoot, UInt32(MOVE_MOUNT_F_EMPTY_PATH)) == 0 else {
            fail(.attachRoot, step: rootMount.step)
        }
        _ = close(detached)
        let root = open(stagingRoot, CORRAL_O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else { fail(.openRoot) }
        return root
    }

    /// pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only the
    /// container's tree, without needing a directory for the old root.
    private func pivot(to root: Int32) {
        guard fchdir(root) == 0 else { fail(.pivotEnterRoot) }
        guard corral_pivot_root(".", ".") == 0 else { fail(.pivotRoot) }
        guard umount2(".", Int32(MNT_DETACH)) == 0 else { fail(.detachOldRoot) }
        guard chdir("/") == 0 else { fail(.pivotLeave) }
    }

    private func fail(_ call: ChildCall, step: Int32 = -1) -> Never {
        childFail(context.errorDescriptor, call, step: step)
    }
}
