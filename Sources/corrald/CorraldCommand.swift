import ArgumentParser
import CorralSupervisor
import Logging

@main
struct CorraldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corrald",
        abstract: "Start and supervise every container defined in a directory.",
        discussion: """
            Runs in the foreground (systemd's way). Starts every valid definition in the
            definitions directory, one corral-monitor per container, and keeps the set in line
            with the directory: a new file starts a container, a removed one stops it, a changed
            one (semantically) restarts it; an invalid file is reported as FILE:LINE: error and
            its running container left as it was. The directory is watched with inotify and
            re-read on SIGHUP. SIGTERM or SIGINT stop every container gracefully, then corrald
            exits 0 — except a SIGTERM for a restart of its systemd unit, which leaves them
            running for the next corrald. SIGUSR1 writes a status report to the log and to STATE_DIR/status.
            Containers keep running if corrald is killed; a new corrald adopts them.

            --hold-cgroups runs the holder instead (corral-containers.service): it holds its
            unit's delegated cgroup2 subtree for the containers and their monitors, so systemd
            can restart corrald while they run, and waits for SIGTERM.
            """)

    @Option(help: ArgumentHelp("Configuration file (key = value lines).", valueName: "file"))
    var config: String?

    @Option(name: .customLong("config-dir"), help: ArgumentHelp("Directory of container definitions (*.xml).", valueName: "dir"))
    var configDirectory: String?

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("Runtime state: records, pid file, status.", valueName: "dir"))
    var stateDirectory: String?

    @Option(name: .customLong("log-dir"), help: ArgumentHelp("Containers' console logs.", valueName: "dir"))
    var logDirectory: String?

    @Option(name: .customLong("template-dir"), help: ArgumentHelp("Templates of type='template' filesystems.", valueName: "dir"))
    var templateDirectory: String?

    @Option(name: .customLong("overlay-dir"), help: ArgumentHelp("Templates' per-container upper layers.", valueName: "dir"))
    var overlayDirectory: String?

    @Option(name: .customLong("network-dir"), help: ArgumentHelp("libvirt network definitions for type='network' interfaces.", valueName: "dir"))
    var networkDirectory: String?

    @Option(help: ArgumentHelp("The corral-monitor executable (default: beside corrald).", valueName: "path"))
    var monitor: String?

    @Option(name: .customLong("cgroup-parent"), help: ArgumentHelp("Containers' cgroups are PATH/NAME (default corral).", valueName: "path"))
    var cgroupParent: String?

    @Flag(name: .customLong("hold-cgroups"), help: "Hold this systemd unit's cgroup subtree for the containers (corral-containers.service).")
    var holdCgroups = false

    func run() throws {
        var options = try DaemonOptions.load(configFile: config)
        if let configDirectory { options.configDirectory = configDirectory }
        if let stateDirectory { options.stateDirectory = stateDirectory }
        if let logDirectory { options.logDirectory = logDirectory }
        if let templateDirectory { options.templateDirectory = templateDirectory }
        if let overlayDirectory { options.overlayDirectory = overlayDirectory }
        if let networkDirectory { options.networkDirectory = networkDirectory }
        if let monitor { options.monitorPath = monitor }
        if let cgroupParent {
            options.cgroupParent = cgroupParent
            options.cgroupParentIsExplicit = true
        }
        LoggingSystem.bootstrap { label in DaemonLogHandler(label: label) }
        if holdCgroups {
            throw ExitCode(CgroupHolder.run(stateDirectory: options.stateDirectory, logger: Logger(label: "corrald")))
        }
        let daemon = try Daemon(options: options, logger: Logger(label: "corrald"))
        throw ExitCode(daemon.run())
    }
}
