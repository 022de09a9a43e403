#if canImport(Glibc)
import Glibc
#endif

/// The fixed-size record a failing child writes to its error pipe before `_exit`: which step,
/// which call, which errno. Plain integers, so writing it needs no allocation; the parent turns
/// it into words.
struct ChildFailure {
    /// Index into the launch's step descriptions, or -1 for steps outside the mount table.
    var step: Int32
    var call: ChildCall.RawValue
    var errno: Int32
}

/// What the child was doing when it failed.
enum ChildCall: Int32 {
    case waitForParent, joinNamespaces, cloneMounter, enterUserNamespace, lockMounts, sendMounts, receiveMounts, joinMounts,
        cgroupNamespace, makePrivate, mountRoot, openRoot, resolveTarget, createTarget, openSource,
        mount, symlink, loopback, pivotRoot, detachOldRoot, hostname, readUsers, irregularUsers, unknownUser,
        readGroups, irregularGroups, unknownGroup, setGroups, setGroupID, setUserID, changeDirectory, console, capabilities,
        noNewPrivileges, seccomp, execute
}

extension ChildFailure {
    /// The message for a failure record: the step as the plan names it, then the call.
    func describe(steps: [String], launch: ChildLaunchDescription) -> String {
        let error = errnoText(self.errno)
        let stepName = step >= 0 && Int(step) < steps.count ? steps[Int(step)] : "container setup"
        switch ChildCall(rawValue: call) {
        case .waitForParent: return "waiting for the parent to finish setup: \(error)"
        case .joinNamespaces: return "setns into the container's network, UTS, IPC and PID namespaces: \(error)"
        case .cloneMounter: return "clone3 of the mounter (new mount namespace): \(error)"
        case .enterUserNamespace: return "setns into the container's user namespace: \(error)"
        case .lockMounts: return "unshare CLONE_NEWNS (locking the mounts in the user namespace): \(error)"
        case .sendMounts: return "send the container's mount namespace to init: \(error)"
        case .receiveMounts: return "receive the container's mount namespace from the mounter: \(error)"
        case .joinMounts: return "setns into the container's mount namespace: \(error)"
        case .cgroupNamespace: return "unshare CLONE_NEWCGROUP: \(error)"
        case .makePrivate: return "mount '/' (make recursively private): \(error)"
        case .mountRoot: return "\(stepName): \(error)"
        case .openRoot: return "open '\(launch.stagingRoot ?? "/")': \(error)"
        case .resolveTarget: return "\(stepName): cannot open the target in the container: \(error)"
        case .createTarget: return "\(stepName): cannot create the target in the container: \(error)"
        case .openSource: return "\(stepName): cannot open the source in the container: \(error)"
        case .mount, .symlink: return "\(stepName): \(error)"
        case .loopback: return "bring up 'lo' (SIOCSIFFLAGS): \(error)"
        case .pivotRoot: return "pivot_root '\(launch.stagingRoot ?? "/")': \(error)"
        case .detachOldRoot: return "umount2 old root (MNT_DETACH): \(error)"
        case .hostname: return "sethostname '\(launch.hostname)': \(error)"
        case .readUsers: return "read '/etc/passwd' in the container: \(error)"
        case .unknownUser: return "<inituser> '\(launch.user ?? "")': no such user in the container's /etc/passwd"
        case .readGroups: return "read '/etc/group' in the container: \(error)"
        case .irregularUsers: return "'/etc/passwd' in the container is not a regular file (<inituser> cannot be looked up)"
        case .irregularGroups: return "'/etc/group' in the container is not a regular file (<initgroup> cannot be looked up)"
        case .unknownGroup: return "<initgroup> '\(launch.group ?? "")': no such group in the container's /etc/group"
        case .setGroups: return "setgroups: \(error)"
        case .setGroupID: return "setgid '\(launch.group ?? "0")': \(error)"
        case .setUserID: return "setuid '\(launch.user ?? "0")': \(error)"
        case .changeDirectory: return "chdir '\(launch.initDirectory)' (<initdir>): \(error)"
        case .capabilities: return "drop capabilities (prctl PR_CAPBSET_DROP, capset): \(error)"
        case .noNewPrivileges: return "prctl PR_SET_NO_NEW_PRIVS: \(error)"
        case .seccomp: return "seccomp SECCOMP_SET_MODE_FILTER: \(error)"
        case .console: return "attach the console pty as init's terminal: \(error)"
        case .execute: return "execve '\(launch.initPath)' (<init>): \(error)"
        case nil: return "container setup failed: \(error)"
        }
    }
}

/// What failure messages quote about a launch.
struct ChildLaunchDescription {
    let stagingRoot: String?
    let hostname: String
    let user: String?
    let group: String?
    let initDirectory: String
    let initPath: String
}
