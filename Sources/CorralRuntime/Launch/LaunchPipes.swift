import CCorralSys
import Glibc

/// The channels between the monitor and the processes of a launch (see ContainerLauncher):
/// each is close-on-exec, and each child first closes the ends it must not hold, so an end of
/// file always means that the other side is gone.
struct LaunchPipes {
    /// Monitor → init: one byte once its uid/gid maps are written, one once it is in all its
    /// cgroups.
    let go: Pipe
    /// Every child → monitor: a `ChildFailure` record, or end of file once init has exec'd and
    /// the mounter is gone.
    let errors: Pipe
    /// Mounter → init: the locked mount namespace, as a descriptor.
    let mounts: (mounter: OwnedDescriptor, initEnd: OwnedDescriptor)

    init() throws {
        go = try Pipe()
        errors = try Pipe()
        let channel = try LaunchPipes.socketPair(detail: "mount namespace channel")
        mounts = (channel.sending, channel.receiving)
    }

    /// A connected pair of close-on-exec SOCK_SEQPACKET sockets, for passing a descriptor.
    static func socketPair(detail: String) throws -> (sending: OwnedDescriptor, receiving: OwnedDescriptor) {
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            throw SystemCallError.last("socketpair", detail: detail)
        }
        return (OwnedDescriptor(ends[0]), OwnedDescriptor(ends[1]))
    }

    /// The ends only the monitor may hold.
    var monitorEnds: [Int32] { [go.writing.rawValue, errors.reading.rawValue] }
}
