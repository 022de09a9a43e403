import CCorralSys
import Glibc

/// Everything the two children of `corralctl exec` need between fork and exec, as plain values
/// and pointers into an arena the parent filled (see ChildContext: the same rules).
struct ExecContext {
    /// init's pidfd: every namespace of the container is joined through it at once.
    var initDescriptor: Int32
    var errorDescriptor: Int32
    /// The joiner writes the command's pid here.
    var spawnedDescriptor: Int32
    /// init's cgroups: its cgroup2 directory (the command is cloned into it) and the v1
    /// `cgroup.procs` files (the joiner writes its own pid there, so the command starts in them).
    /// The caller itself never joins them: a container could freeze or kill it there.
    var cgroupDirectory: Int32
    var cgroupProcs: UnsafeBufferPointer<Int32>
    /// The parent's ends of the pipes, closed first by each child.
    var parentDescriptors: UnsafeBufferPointer<Int32>
    var user: UnsafePointer<CChar>?
    var lookupBuffer: UnsafeMutablePointer<UInt8>
    var lookupBufferSize: Int
    var directory: UnsafePointer<CChar>
    var droppedCapabilities: UnsafeBufferPointer<Int32>
    var keptCapabilities: UnsafePointer<UInt32>
    var noCapabilities: UnsafePointer<UInt32>
    var noNewPrivileges: Bool
    var seccompProgram: UnsafePointer<corral_bpf_program>?
    var signalsToReset: UnsafeBufferPointer<Int32>
    /// Whether the command gets a pty of its own: the joiner opens it in the container's devpts
    /// (so it has a name there) and sends the master on `terminalChannel`.
    var wantsTerminal: Bool
    var terminalChannel: Int32
    /// The pty slave, once the joiner has opened it: the command's terminal and stdio, or -1.
    var terminal: Int32 = -1
    /// Without a terminal: what replaces stdin, stdout and stderr (-1: keep).
    var standardStreams: (Int32, Int32, Int32)
    /// Where to look for the command, in order (its name joined to each `PATH` directory, or
    /// its path as given): NULL-terminated.
    var candidates: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    var environment: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
}
