import Glibc
import CCorralSys

/// Performs one row of the child's mount table with the new mount API: the mount is built
/// detached (`open_tree` / `fsmount`), its attributes set, then attached with `move_mount` to
/// a target opened inside the container's root with `openat2(RESOLVE_IN_ROOT)` — so a symlink
/// in the rootfs, even an absolute one, can never lead a mount onto the host.
struct ChildMounter {
    /// CORRAL_O_PATH descriptor of the container's root (or AT_FDCWD for the root mount itself).
    let root: Int32
    let errorDescriptor: Int32
    /// Host uid and gid of the container's root: whatever the mounter creates in the container
    /// (missing targets, device nodes, links) is given to it, as if root inside had made it.
    var owner: (uid: UInt32, gid: UInt32) = (0, 0)

    func perform(_ mount: ChildMount) {
        if mount.kind == .symlink { return createSymlink(mount) }
        if mount.kind == .deviceNode { return createDeviceNode(mount) }
        attach(mount, detached: -1)
    }

    /// Creates the mount's target if it is missing, without mounting anything yet.
    func createTarget(_ mount: ChildMount) {
        guard !mount.optional else { return }
        _ = close(openTarget(mount))
    }

    /// Attaches `detached` (or, when -1, a mount made now) on the mount's target.
    func attach(_ mount: ChildMount, detached prepared: Int32) {
        var target: Int32
        if mount.optional {
            target = openInRoot(mount.target, flags: 0)
            if target < 0 && errno == ENOENT {
                if prepared >= 0 { _ = close(prepared) }
                return
            }
            guard target >= 0 else { fail(.resolveTarget, mount) }
        } else {
            target = openTarget(mount)
        }
        let detached = prepared >= 0 ? prepared : detachedMount(mount)
        guard move_mount(detached, "", target, "", UInt32(MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)) == 0 else {
            fail(.moveMount, mount)
        }
        _ = close(target)
        _ = close(detached)
    }

    /// A mount not yet attached anywhere, with its attributes applied.
    func detachedMount(_ mount: ChildMount) -> Int32 {
        switch mount.kind {
        case .bindHost, .bindContainer:
            var tree: Int32
            if mount.kind == .bindHost {
                tree = open_tree(AT_FDCWD, mount.source, UInt32(OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | CORRAL_AT_RECURSIVE))
            } else {
                let source = openInRoot(mount.source, flags: 0)
                guard source >= 0 else { fail(.openSource, mount) }
                tree = open_tree(source, "", UInt32(OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | CORRAL_AT_RECURSIVE | CORRAL_AT_EMPTY_PATH))
                _ = close(source)
            }
            guard tree >= 0 else { fail(.openTree, mount) }
            if mount.attributes != 0 {
                var attributes = mount_attr()
                attributes.attr_set = mount.attributes
                guard mount_setattr(tree, "", UInt32(CORRAL_AT_EMPTY_PATH | CORRAL_AT_RECURSIVE), &attributes,
                                    MemoryLayout<mount_attr>.size) == 0 else { fail(.mountSetattr, mount) }
            }
            return tree
        case .filesystem:
            let context = fsopen(mount.source, UInt32(FSOPEN_CLOEXEC))
            guard context >= 0 else { fail(.fsopen, mount) }
            for index in 0..<mount.optionCount {
                guard let option = mount.options?[index] else { continue }
                let result = option.value.map {
                    fsconfig(context, UInt32(FSCONFIG_SET_STRING.rawValue), option.key, $0, 0)
                } ?? fsconfig(context, UInt32(FSCONFIG_SET_FLAG.rawValue), option.key, nil, 0)
                guard result == 0 else { childFail(errorDescriptor, .fsconfig, step: mount.step, detail: Int32(index)) }
            }
            guard fsconfig(context, UInt32(FSCONFIG_CMD_CREATE.rawValue), nil, nil, 0) == 0 else { fail(.fsconfigCreate, mount) }
            let detached = fsmount(context, UInt32(FSMOUNT_CLOEXEC), UInt32(truncatingIfNeeded: mount.attributes))
            guard detached >= 0 else { fail(.fsmount, mount) }
            _ = close(context)
            return detached
        case .symlink, .deviceNode:
            // Not mounts: perform() makes these itself and never asks for a detached mount.
            errno = EINVAL
            fail(.openTree, mount)
        }
    }

    private func createDeviceNode(_ mount: ChildMount) {
        let (parent, name) = openParent(mount)
        if mknodat(parent, name, mode_t(S_IFCHR) | mode_t(mount.mode), dev_t(mount.device)) == 0 {
            giveToOwner(parent, name)
        } else if errno != EEXIST {
            fail(.makeNode, mount)
        }
        // The umask trimmed the mode; /dev/null must stay writable for everyone.
        guard fchmodat(parent, name, mode_t(mount.mode), 0) == 0 else { fail(.chmodNode, mount) }
        _ = close(parent)
    }

    private func createSymlink(_ mount: ChildMount) {
        let (parent, name) = openParent(mount)
        if symlinkat(mount.source, parent, name) == 0 {
            giveToOwner(parent, name)
        } else if errno != EEXIST {
            fail(.symlink, mount)
        }
        _ = close(parent)
    }

    /// The target, created when missing: every missing directory on the way (and the last
    /// component as an empty file for device binds), each looked up again inside the root.
    private func openTarget(_ mount: ChildMount) -> Int32 {
        let existing = openInRoot(mount.target, flags: 0)
        if existing >= 0 { return existing }
        guard errno == ENOENT else { fail(.resolveTarget, mount) }
        let (parent, name) = openParent(mount)
        let created: Bool
        if mount.targetIsFile {
            let file = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0o644)
            created = file >= 0 || errno == EEXIST
            if file >= 0 {
                _ = close(file)
                giveToOwner(parent, name)
            }
        } else if mkdirat(parent, name, 0o755) == 0 {
            giveToOwner(parent, name)
            created = true
        } else {
            created = errno == EEXIST
        }
        guard created else { fail(.createTarget, mount) }
        _ = close(parent)
        let target = openInRoot(mount.target, flags: 0)
        guard target >= 0 else { fail(.resolveTarget, mount) }
        return target
    }

    /// The directory holding the target (created as needed) and the target's last component.
    private func openParent(_ mount: ChildMount) -> (Int32, UnsafePointer<CChar>) {
        let path = mount.target
        var parent = openInRoot(".", flags: O_DIRECTORY)
        guard parent >= 0 else { fail(.resolveTarget, mount) }
        var start = 0
        while true {
            var end = start
            while path[end] != 0 && path[end] != CChar(UInt8(ascii: "/")) { end += 1 }
            if path[end] == 0 { return (parent, UnsafePointer(path + start)) }
            // Cut the path after this component, resolve the prefix inside the root, restore.
            path[end] = 0
            var next = openInRoot(path, flags: O_DIRECTORY)
            if next < 0 && errno == ENOENT {
                if mkdirat(parent, path + start, 0o755) == 0 {
                    giveToOwner(parent, path + start)
                } else if errno != EEXIST {
                    path[end] = CChar(UInt8(ascii: "/"))
                    fail(.createTarget, mount)
                }
                next = openInRoot(path, flags: O_DIRECTORY)
            }
            path[end] = CChar(UInt8(ascii: "/"))
            guard next >= 0 else { fail(.resolveTarget, mount) }
            _ = close(parent)
            parent = next
            start = end + 1
        }
    }

    /// A failed chown leaves a host-root-owned entry, which the container can still use (the
    /// modes allow it): not worth failing the start for.
    private func giveToOwner(_ parent: Int32, _ name: UnsafePointer<CChar>) {
        guard owner.uid != 0 || owner.gid != 0 else { return }
        _ = fchownat(parent, name, owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW)
    }

    /// `path` relative to the container root; `..` and absolute symlinks stay inside it.
    private func openInRoot(_ path: UnsafePointer<CChar>, flags: Int32) -> Int32 {
        var how = open_how()
        how.flags = UInt64(CORRAL_O_PATH | O_CLOEXEC | flags)
        how.resolve = UInt64(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
        return corral_openat2(root, path, &how)
    }

    private func fail(_ call: ChildCall, _ mount: ChildMount) -> Never {
        childFail(errorDescriptor, call, step: mount.step)
    }
}
