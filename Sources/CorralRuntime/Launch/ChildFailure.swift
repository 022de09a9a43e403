import CorralDomain
import Glibc

/// The fixed-size record a failing child writes to its error pipe before `_exit`: which step,
/// which call (and which of its arguments), which errno. Plain integers, so writing it needs no
/// allocation; the parent turns it into words.
struct ChildFailure {
    /// Index into the launch's step descriptions, or -1 for steps outside the mount table.
    var step: Int32
    var call: ChildCall.RawValue
    var errno: Int32
    /// What the call worked on where the step alone does not say: the index of an fsconfig
    /// option, a capability number.
    var detail: Int32 = -1
}

/// What the child was doing when it failed: one case per system call (or per distinct use of
/// one), so the message names exactly what the kernel refused.
enum ChildCall: Int32 {
    case waitForParent, enterUserNamespace, lockMounts, sendMounts, receiveMounts, joinMounts,
        cgroupNamespace, makePrivate, attachRoot, openRoot, resolveTarget, createTarget, openSource,
        openTree, mountSetattr, fsopen, fsconfig, fsconfigCreate, fsmount, moveMount, makeNode, chmodNode,
        symlink, loopbackSocket, loopback, pivotEnterRoot, pivotRoot, detachOldRoot, pivotLeave, hostname,
        readUsers, irregularUsers, unknownUser, readGroups, irregularGroups, unknownGroup,
        setGroups, setGroupID, setUserID, sessionKeyring, changeDirectory, newSession, controllingTerminal, standardStreams,
        dropBoundingCapability, capset, clearAmbientCapabilities, noNewPrivileges, seccomp, execute,
        joinContainer, joinCgroup, cloneCommand, commandNotFound, executeCommand, openTerminal, parentDeathSignal
}

extension ChildFailure {
    /// The message for a failure record: the step as the plan names it, then the call.
    /// `options`: each step's fsconfig options as `key=value`, for an fsconfig failure.
    func describe(steps: [String], options: [[String]], launch: ChildLaunchDescription) -> String {
        let error = errnoText(self.errno)
        let stepName = step >= 0 && Int(step) < steps.count ? steps[Int(step)] : "container setup"
        let option = step >= 0 && Int(step) < options.count && detail >= 0 && Int(detail) < options[Int(step)].count
            ? options[Int(step)][Int(detail)] : "?"
        switch ChildCall(rawValue: call) {
        case .waitForParent: return "waiting for the parent to finish setup: \(error)"
        case .enterUserNamespace: return "setns into the container's user namespace: \(error)"
        case .lockMounts: return "unshare CLONE_NEWNS (locking the mounts in the user namespace): \(error)"
        case .sendMounts: return "send the container's mount namespace to init: \(error)"
        case .receiveMounts: return "receive the container's mount namespace from the mounter: \(error)"
        case .joinMounts: return "setns into the container's mount namespace: \(error)"
        case .cgroupNamespace: return "unshare CLONE_NEWCGROUP: \(error)"
        case .makePrivate: return "mount '/' (make recursively private): \(error)"
        case .attachRoot: return "\(stepName): move_mount onto '\(launch.stagingRoot ?? "/")': \(error)"
        case .openRoot: return "open '\(launch.stagingRoot ?? "/")': \(error)"
        case .resolveTarget: return "\(stepName): cannot open the target in the container: \(error)"
        case .createTarget: return "\(stepName): cannot create the target in the container: \(error)"
        case .openSource: return "\(stepName): cannot open the source in the container: \(error)"
        case .openTree: return "\(stepName): open_tree: \(error)"
        case .mountSetattr: return "\(stepName): mount_setattr: \(error)"
        case .fsopen: return "\(stepName): fsopen: \(error)"
        case .fsconfig: return "\(stepName): fsconfig '\(option)': \(error)"
        case .fsconfigCreate: return "\(stepName): fsconfig FSCONFIG_CMD_CREATE: \(error)"
        case .fsmount: return "\(stepName): fsmount: \(error)"
        case .moveMount: return "\(stepName): move_mount: \(error)"
        case .makeNode: return "\(stepName): mknodat: \(error)"
        case .chmodNode: return "\(stepName): fchmodat: \(error)"
        case .symlink: return "\(stepName): symlinkat: \(error)"
        case .loopbackSocket: return "socket (to bring up 'lo'): \(error)"
        case .loopback: return "bring up 'lo' (SIOCSIFFLAGS): \(error)"
        case .pivotEnterRoot: return "pivot_root '\(launch.stagingRoot ?? "/")': fchdir: \(error)"
        case .pivotRoot: return "pivot_root '\(launch.stagingRoot ?? "/")': \(error)"
        case .detachOldRoot: return "umount2 old root (MNT_DETACH): \(error)"
        case .pivotLeave: return "pivot_root '\(launch.stagingRoot ?? "/")': chdir '/': \(error)"
        case .hostname: return "sethostname '\(launch.hostname)': \(error)"
        case .readUsers: return "read '/etc/passwd' in the container: \(error)"
        case .irregularUsers: return "'/etc/passwd' in the container is not a regular file (<inituser> cannot be looked up)"
        case .unknownUser: return "<inituser> '\(launch.user ?? "")': no such user in the container's /etc/passwd"
        case .readGroups: return "read '/etc/group' in the container: \(error)"
        case .irregularGroups: return "'/etc/group' in the container is not a regular file (<initgroup> cannot be looked up)"
        case .unknownGroup: return "<initgroup> '\(launch.group ?? "")': no such group in the container's /etc/group"
        case .parentDeathSignal: return "prctl PR_SET_PDEATHSIG (init dies with its monitor): \(error)"
        case .setGroups: return "setgroups: \(error)"
        case .setGroupID: return "setgid '\(launch.group ?? "0")': \(error)"
        case .setUserID: return "setuid '\(launch.user ?? "0")': \(error)"
        case .sessionKeyring: return "keyctl KEYCTL_JOIN_SESSION_KEYRING (a session keyring of its own): \(error)"
        case .changeDirectory: return "chdir '\(launch.initDirectory)' (<initdir>): \(error)"
        case .newSession: return "setsid: \(error)"
        case .controllingTerminal: return "ioctl TIOCSCTTY (the console pty as init's terminal): \(error)"
        case .standardStreams: return "dup2 (init's stdin, stdout and stderr): \(error)"
        case .dropBoundingCapability:
            return "prctl PR_CAPBSET_DROP \(KernelCapabilities.name(of: detail) ?? "capability \(detail)"): \(error)"
        case .capset: return "capset: \(error)"
        case .clearAmbientCapabilities: return "prctl PR_CAP_AMBIENT_CLEAR_ALL: \(error)"
        case .noNewPrivileges: return "prctl PR_SET_NO_NEW_PRIVS: \(error)"
        case .seccomp: return "seccomp SECCOMP_SET_MODE_FILTER: \(error)"
        case .execute: return "execve '\(launch.initPath)' (<init>): \(error)"
        case .joinContainer: return "setns into the container's namespaces (through init's pidfd): \(error)"
        case .cloneCommand: return "clone3 of the command in the container's PID namespace: \(error)"
        case .commandNotFound: return "'\(launch.initPath)': no such command in the container (searched its PATH)"
        case .executeCommand: return "execve '\(launch.initPath)': \(error)"
        case .joinCgroup: return "write to init's cgroup.procs: \(error)"
        case .openTerminal: return "a pty in the container's devpts (/dev/ptmx): \(error)"
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

/// Writes the failure record for the errno the last call left and exits; `_exit`, not
/// `exit`: the atexit handlers and stdio buffers belong to the parent.
func childFail(_ errorDescriptor: Int32, _ call: ChildCall, step: Int32 = -1, detail: Int32 = -1) -> Never {
    var record = ChildFailure(step: step, call: call.rawValue, errno: errno, detail: detail)
    // Nothing more can be done if the parent is gone: it learns of the failure by end of file.
    _ = write(errorDescriptor, &record, MemoryLayout<ChildFailure>.size)
    _exit(125)
}
