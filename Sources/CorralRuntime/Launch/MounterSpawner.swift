import Glibc
import CCorralSys

/// A short-lived child of the monitor: it joins init's network, UTS, IPC and PID namespaces —
/// staying in the host's user namespace, with the host root's privilege — clones the mounter
/// into them with a new mount namespace, waits for it and exits as it did.
struct MounterSpawner {
    let context: ChildContext

    func run() -> Never {
        for descriptor in context.monitorDescriptors { _ = close(descriptor) }
        _ = close(context.initChannel)
        let (network, uts, ipc, pids) = context.joinedNamespaces
        guard corral_setns(network, 0) == 0, corral_setns(uts, 0) == 0, corral_setns(ipc, 0) == 0, corral_setns(pids, 0) == 0 else {
            childFail(context.errorDescriptor, .joinNamespaces)
        }
        var arguments = clone_args()
        arguments.flags = UInt64(CLONE_NEWNS)
        arguments.exit_signal = UInt64(SIGCHLD)
        let pid = corral_clone3(&arguments)
        if pid == 0 { ContainerTreeMounter(context: context).run() }
        guard pid > 0 else { childFail(context.errorDescriptor, .cloneMounter) }
        var status: Int32 = 0
        while waitpid(pid_t(pid), &status, 0) < 0 {
            guard errno == EINTR else { _exit(125) }
        }
        // The mounter reported its own failure, if any; the exit status only mirrors it.
        _exit(status == 0 ? 0 : 125)
    }
}
