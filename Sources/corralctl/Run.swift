import ArgumentParser
import CorralRuntime

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one container in the foreground.",
        discussion: """
            Starts the container defined in FILE with its stdin, stdout and stderr attached to this
            terminal, and exits with its init's exit status (128+N if signal N killed it). SIGINT
            and SIGTERM stop it gracefully: its stop signal first, SIGKILL after its stop timeout.
            If the container cannot start, the failing step is printed and the exit status is 125.
            On exit nothing of it is left on the host: no mount, no loop device, no staging directory.
            """)

    @Argument(help: ArgumentHelp("The domain XML file of the container.", valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp("Where type='template' filesystems find their templates.", valueName: "dir"))
    var templateDir: String = RuntimePaths().templateDirectory

    @Option(help: ArgumentHelp("Where templates' per-container upper layers are kept.", valueName: "dir"))
    var overlayDir: String = RuntimePaths().overlayDirectory

    @Option(help: ArgumentHelp("Runtime state (the staging root directory).", valueName: "dir"))
    var stateDir: String = RuntimePaths().stateDirectory

    @Option(help: ArgumentHelp("The container's cgroup is PATH/NAME in every hierarchy.", valueName: "path"))
    var cgroupParent: String = RuntimePaths().cgroupParent

    @Flag(help: "No cgroup (as crun's --cgroup-manager=disabled); limits in the definition are then refused.")
    var noCgroup = false

    func run() throws {
        var commandLine = MonitorCommandLine([file])
        commandLine?.paths = RuntimePaths(templateDirectory: templateDir, overlayDirectory: overlayDir, stateDirectory: stateDir,
                                            cgroupParent: cgroupParent)
        commandLine?.paths.usesCgroups = !noCgroup
        guard let commandLine else { throw ValidationError("usage: corralctl run \(MonitorCommandLine.usage)") }
        throw ExitCode(ForegroundRun.execute(commandLine, report: false, log: { StandardError.write($0 + "\n") }))
    }

    static func usageError() -> ValidationError {
        ValidationError("usage: corralctl run \(MonitorCommandLine.usage)")
    }
}
