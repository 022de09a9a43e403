import CorralRuntime
import Glibc

/// The monitor's end of `corralctl console`: a unix socket, STATE_DIR/NAME.console, that one
/// client at a time may attach to — its keys go to the console pty, the console's output goes
/// to it (and still to the log). A second client is told the console is busy.
final class ConsoleServer {
    let path: String
    private let listener: OwnedDescriptor
    private var client: OwnedDescriptor?

    init(path: String) throws {
        self.path = path
        unlink(path)
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { throw SystemCallError.last("socket", path) }
        listener = OwnedDescriptor(descriptor)
        guard let address = UnixSocketAddress(path) else { throw SystemCallError("bind", [path], errno: ENAMETOOLONG) }
        guard address.withSocketAddress({ bind(descriptor, $0, $1) }) == 0 else { throw SystemCallError.last("bind", path) }
        chmod(path, 0o600)
        guard listen(descriptor, 2) == 0 else { throw SystemCallError.last("listen", path) }
    }

    deinit { close() }

    /// Removes the socket's name; the listener itself closes with the process.
    func close() {
        // ENOENT: removed already.
        _ = unlink(path)
    }

    /// What the poll loop watches: the listener, and the client when one is attached.
    func sources(console: ConsolePTY) -> [InitPollLoop.Source] {
        var sources = [InitPollLoop.Source(descriptor: listener.rawValue) { [self] in
            accept()
            return true
        }]
        if let client {
            sources.append(InitPollLoop.Source(descriptor: client.rawValue) { [self] in
                if !ConsoleRelay.copyAvailable(from: client.rawValue, to: console.master.rawValue) { detach() }
                return true
            })
        }
        return sources
    }

    /// Console output for the attached client, if any; a client that cannot keep up is dropped.
    func send(_ bytes: UnsafeRawBufferPointer) {
        guard let client else { return }
        if Glibc.send(client.rawValue, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)) < 0 && errno != EINTR {
            detach()
        }
    }

    private func accept() {
        let descriptor = Glibc.accept(listener.rawValue, nil, nil)
        guard descriptor >= 0 else { return }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        guard client == nil else {
            let busy = Array("corral: the console is in use by another client\r\n".utf8)
            _ = Glibc.send(descriptor, busy, busy.count, Int32(MSG_NOSIGNAL))
            Glibc.close(descriptor)
            return
        }
        client = OwnedDescriptor(descriptor)
    }

    private func detach() {
        client?.close()
        client = nil
    }
}
