import ArgumentParser
import CorralSupervisor

/// `corralctl run`'s help. The command itself is read by hand in main.swift (the start path
/// must not pay for the argument parser), with MonitorCommandLine, whose options are the only
/// spec: this type holds none and only prints them.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one container in the foreground.",
        usage: "corralctl run \(MonitorCommandLine.usage)",
        discussion: """
            Starts the container defined in FILE on this terminal and exits with its init's exit \
            status (128+N if signal N killed it). SIGINT and SIGTERM stop it gracefully: its stop \
            signal first, SIGKILL after its stop timeout. If the container cannot start, the \
            failing step is printed and the exit status is 125. On exit nothing of it is left on \
            the host: no mount, no loop device, no staging directory.

            OPTIONS:
            \(MonitorCommandLine.optionsHelp)
            """)

    static func usageError() -> ValidationError {
        ValidationError("usage: corralctl run \(MonitorCommandLine.usage)")
    }
}
