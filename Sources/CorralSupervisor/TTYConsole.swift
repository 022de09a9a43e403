import CorralRuntime
import Glibc

/// One of a container's further consoles (its second `<console>` is /dev/tty1, and so on, as
/// under libvirt-lxc): a pty of its own, logged to LOG_DIR/NAME.ttyN.log and attachable with
/// `corralctl console NAME --tty N`, like the first console. The monitor keeps the slave open,
/// so the master never polls as hung up: a container cannot hang the terminal up for good either
/// (vhangup needs CAP_SYS_TTY_CONFIG in the host's user namespace).
final class TTYConsole {
    let number: Int
    let pty: ConsolePTY
    let log: ConsoleLog
    let server: ConsoleServer

    init(number: Int, container: String, logDirectory: String, state: StateDirectory) throws {
        self.number = number
        pty = try ConsolePTY()
        log = try ConsoleLog(path: ConsoleLog.path(in: logDirectory, container: container, tty: number))
        server = try ConsoleServer(path: state.console(of: container, tty: number))
    }

    /// What the poll loop watches for this console: its pty, its socket, its client.
    func sources() -> [InitPollLoop.Source] {
        [InitPollLoop.Source(descriptor: pty.master.rawValue) { [self] in
            copy()
            return true
        }] + server.sources(console: pty)
    }

    /// Hands what the container wrote to the log and the attached client.
    func copy() {
        pty.drain { log.appendConsole($0); server.send($0) }
    }
}
