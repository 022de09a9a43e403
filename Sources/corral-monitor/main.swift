// corral-monitor: launches one container, waits for its init and reports why it ended.
// corrald starts one per container; `corralctl run` runs the same code in the foreground.
import CorralRuntime
#if canImport(Glibc)
import Glibc
#endif

func writeError(_ text: String) {
    let line = text + "\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") {
    print("""
        usage: corral-monitor \(MonitorCommandLine.usage)

        Launches the container defined in FILE, waits for its init and reports on stderr how it
        ended (exit status, or the signal that killed it, and what that means: powered off,
        rebooted, crashed). Exits with init's status, 128+N if signal N killed it, 125 if the
        container could not start. SIGINT or SIGTERM stop the container gracefully.
        """)
    exit(0)
}
guard let commandLine = MonitorCommandLine(arguments) else {
    writeError("usage: corral-monitor \(MonitorCommandLine.usage)")
    exit(2)
}
exit(ForegroundRun.execute(commandLine, report: true, log: writeError))
