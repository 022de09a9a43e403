import CCorralSys
import Glibc

/// An epoll set: descriptors are added once, with a token, and a wait returns the tokens of
/// those ready — so a wake-up costs corrald the ready descriptors, not all of its monitors.
public final class EventPoll {
    private let descriptor: OwnedDescriptor

    public init() throws {
        let created = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard created >= 0 else { throw SystemCallError.last("epoll_create1") }
        descriptor = OwnedDescriptor(created)
    }

    public func add(_ watched: Int32, token: UInt64, what: String) throws {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = token
        guard epoll_ctl(descriptor.rawValue, EPOLL_CTL_ADD, watched, &event) == 0 else {
            throw SystemCallError.last("epoll_ctl EPOLL_CTL_ADD", what)
        }
    }

    /// Stops watching `watched` (closing it would too; this is for descriptors kept open).
    public func remove(_ watched: Int32) {
        // ENOENT or EBADF: not watched, or closed already — nothing left to undo.
        _ = epoll_ctl(descriptor.rawValue, EPOLL_CTL_DEL, watched, nil)
    }

    /// The tokens of the ready descriptors, waiting up to `timeout` ms (-1: no limit); none
    /// when the wait was interrupted.
    public func wait(timeout: Int32) throws -> [UInt64] {
        var events = [epoll_event](repeating: epoll_event(), count: 128)
        let count = epoll_wait(descriptor.rawValue, &events, Int32(events.count), timeout)
        if count < 0 {
            guard errno == EINTR else { throw SystemCallError.last("epoll_wait") }
            return []
        }
        return events.prefix(Int(count)).map { $0.data.u64 }
    }
}
