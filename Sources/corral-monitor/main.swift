// corral-monitor: launches one container, waits for its init and reports why it ended.
// corrald starts one per container with --supervise; `corralctl run` runs the same code in
// the foreground.
import CorralDomain
import CorralRuntime
import CorralSupervisor
import Glibc

func writeError(_ text: String) {
    FileIO.writeAll(2, text + "\n")
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") {
    print("""
        usage: corral-monitor \(MonitorCommandLine.usage)
               corral-monitor \(MonitorCommandLine.superviseUsage)

        Launches the container defined in FILE, waits for its init and reports on stderr how it
        ended (exit status, or the signal that killed it, and what that means: powered off,
        rebooted, crashed). Exits with init's status, 128+N if signal N killed it, 125 if the
        container could not start. SIGINT or SIGTERM stop the container gracefully.

        With --supervise (how corrald starts it), it instead keeps the container up by its
        on_poweroff / on_reboot / on_crash policy with back-off, copies its console pty to
        LOG_DIR/NAME.log, records every transition in STATE_DIR/NAME.state, and exits 0 once the
        container stays down; SIGTERM stops the container and the monitor.

        OPTIONS:
        \(MonitorCommandLine.optionsHelp)
          --supervise            corrald's mode (above)
          --log-dir DIR          with --supervise: where NAME.log goes (/var/log/corral)
          --source FILE          with --supervise: the user's file, which messages name
        """)
    exit(0)
}
guard let commandLine = MonitorCommandLine(arguments) else {
    writeError("usage: corral-monitor \(MonitorCommandLine.usage)\n       corral-monitor \(MonitorCommandLine.superviseUsage)")
    exit(2)
}
guard commandLine.supervise else {
    exit(ForegroundRun.execute(commandLine, report: true, log: writeError))
}
do {
    let domain = try DomainParser.parse(contentsOf: commandLine.definition)
    let supervisor = try ContainerSupervisor(
        domain: domain, definition: commandLine.source ?? commandLine.definition,
        paths: commandLine.paths, logDirectory: commandLine.logDirectory)
    exit(supervisor.run())
} catch {
    writeError("corral-monitor: \(commandLine.definition): \(error)")
    exit(ForegroundRun.setupFailed)
}
