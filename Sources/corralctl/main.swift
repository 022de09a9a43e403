import CorralRuntime
import CorralSupervisor
import Glibc

// `corralctl run` starts a container, and start latency is a product goal: it skips the
// general argument parser (which costs more than the container setup) unless help is asked.
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "run", !arguments.contains("--help"), !arguments.contains("-h") {
    guard let commandLine = MonitorCommandLine(Array(arguments.dropFirst())) else {
        Run.exit(withError: Run.usageError())
    }
    exit(ForegroundRun.execute(commandLine, report: false, log: { StandardError.write($0 + "\n") }))
}
if let status = FastPath.run(arguments) { exit(status) }
Corralctl.main()
