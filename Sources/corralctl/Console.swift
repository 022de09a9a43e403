import CorralDomain
import ArgumentParser
import CorralRuntime
import CorralSupervisor
import Glibc

struct Console: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Attach this terminal to a running container's console.",
        discussion: """
            Connects to the container's monitor (STATE_DIR/NAME.console): what you type goes to the
            container's console, what it prints comes here (and still to its log). Ctrl-] detaches.
            One client at a time. --tty N attaches to the container's /dev/ttyN instead (its
            N+1st <console>; STATE_DIR/NAME.ttyN.console).
            """)

    @Argument(help: "The container's name.") var name: String
    @Option(help: ArgumentHelp("The container's /dev/ttyN (its N+1st <console>) instead of /dev/console.", valueName: "N"))
    var tty: Int?
    @OptionGroup var stateOptions: StateOptions

    func validate() throws {
        if let tty, !(1..<CorralDomain.Console.maximumCount).contains(tty) {
            throw ValidationError("--tty \(tty): a container's ttys are 1 to \(CorralDomain.Console.maximumCount - 1)")
        }
    }

    func run() throws {
        let path = stateOptions.state.console(of: name, tty: tty ?? 0)
        let what = tty.map { "\(name)'s /dev/tty\($0)" } ?? "\(name)'s console"
        let connection = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard connection >= 0 else { throw ValidationError("socket: \(errnoText(errno))") }
        defer { close(connection) }
        guard let address = UnixSocketAddress(path) else { throw ValidationError("the console socket path is too long: \(path)") }
        guard address.withSocketAddress({ connect(connection, $0, $1) }) == 0 else {
            let hint = tty.map { " (is it running under corrald, with \($0 + 1) <console> elements?)" } ?? " (is it running under corrald?)"
            throw ValidationError("cannot reach \(what) at \(path): \(errnoText(errno))\(hint)")
        }
        // A signal that would end this process leaves the loop instead, so the terminal is
        // restored on every exit (a monitor that drops us is EPIPE, never SIGPIPE: see send).
        let endRequests = try BlockedSignals([SIGTERM, SIGINT, SIGHUP, SIGQUIT])
        StandardError.write("corralctl: attached to \(what); Ctrl-] detaches\r\n")
        let terminal = RawTerminal(descriptor: 0)
        defer {
            terminal?.restore()
            StandardError.write("\ncorralctl: detached from \(what)\n")
        }
        var descriptors = [pollfd(fd: 0, events: Int16(POLLIN), revents: 0), pollfd(fd: connection, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: endRequests.descriptor.rawValue, events: Int16(POLLIN), revents: 0)]
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            guard poll(&descriptors, 3, -1) >= 0 || errno == EINTR else { return }
            if descriptors[2].revents != 0 { return }
            if descriptors[1].revents != 0 {
                guard ConsoleRelay.copyAvailable(from: connection, to: 1) else { return }
            }
            if descriptors[0].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
                guard count > 0 else { return }
                let (keys, escaped) = ConsoleRelay.keys(buffer[0..<count])
                guard keys.withUnsafeBytes({ Console.send($0, to: connection) }), !escaped else { return }
            }
        }
    }

    /// All of `bytes` to the monitor; false once it has gone (EPIPE, without SIGPIPE).
    static func send(_ bytes: UnsafeRawBufferPointer, to connection: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = Glibc.send(connection, bytes.baseAddress.map { $0 + offset }, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            offset += count
        }
        return true
    }
}
