import CorralDomain
import CorralRuntime

/// The arguments `corral-monitor` and `corralctl run` share, read by hand: the start path
/// must not pay for a general argument parser (0.8 ms measured, more than a container setup
/// costs; docs/ARCHITECTURE.md).
public struct MonitorCommandLine: Sendable, Equatable {
    public var definition: String
    public var paths: RuntimePaths
    /// corrald's mode: supervise with the lifecycle policy, console to LOG_DIR/NAME.log,
    /// state in STATE_DIR; `definition` is then corrald's canonical copy and `source` the
    /// user's file that messages name.
    public var supervise = false
    public var logDirectory = "/var/log/corral"
    public var source: String?

    public static let usage = "FILE [--template-dir DIR] [--overlay-dir DIR] [--state-dir DIR] [--network-dir DIR] [--cgroup-parent PATH | --no-cgroup]"

    /// The options, one per line, for `--help` of `corralctl run` and `corral-monitor`.
    public static let optionsHelp = """
          --template-dir DIR     where type='template' filesystems find their templates (/var/lib/corral/templates)
          --overlay-dir DIR      templates' per-container upper layers (/var/lib/corral/overlays)
          --state-dir DIR        runtime state: staging roots, records, sockets (/run/corral)
          --network-dir DIR      libvirt network definitions for type='network' interfaces (/etc/corral/networks)
          --cgroup-parent PATH   the container's cgroup is PATH/NAME in every hierarchy (corral)
          --no-cgroup            no cgroup (as crun's disabled cgroup manager): no limits, no device list
        """
    public static let superviseUsage = "--supervise [--log-dir DIR] [--source FILE] " + usage

    /// Parses `arguments` (without the program and subcommand names); nil when they do not fit.
    public init?(_ arguments: [String]) {
        var definition: String? = nil
        var paths = RuntimePaths()
        var supervise = false
        var logDirectory = "/var/log/corral"
        var source: String? = nil
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            switch argument {
            case "--supervise":
                supervise = true
            case "--no-cgroup":
                paths.usesCgroups = false
            case "--template-dir", "--overlay-dir", "--state-dir", "--log-dir", "--source", "--cgroup-parent", "--network-dir":
                guard let value = remaining.popFirst(), !value.isEmpty else { return nil }
                switch argument {
                case "--template-dir": paths.templateDirectory = value
                case "--overlay-dir": paths.overlayDirectory = value
                case "--log-dir": logDirectory = value
                case "--source": source = value
                case "--cgroup-parent": paths.cgroupParent = value
                case "--network-dir": paths.networkDirectory = value
                default: paths.stateDirectory = value
                }
            case let option where option.hasPrefix("-") && option.count > 1:
                return nil
            default:
                guard definition == nil else { return nil }
                definition = argument
            }
        }
        guard let definition else { return nil }
        self.definition = definition
        self.paths = paths
        self.supervise = supervise
        self.logDirectory = logDirectory
        self.source = source
    }
}

/// Runs one container in the foreground, as `corralctl run` and `corral-monitor` do: its
/// stdin, stdout and stderr are the caller's. Returns the exit code: init's status, 128+N if
/// a signal killed it, 125 if the container could not start (the reason on stderr).
public enum ForegroundRun {
    public static let setupFailed: Int32 = 125

    public static func execute(_ commandLine: MonitorCommandLine, report: Bool, log: (String) -> Void) -> Int32 {
        let domain: Domain
        do {
            domain = try DomainParser.parse(contentsOf: commandLine.definition)
        } catch {
            log(error.description)
            return setupFailed
        }
        for warning in domain.warnings(file: commandLine.definition, atStart: true) { log(warning) }
        do {
            let exit = try ForegroundContainer(domain: domain, file: commandLine.definition, paths: commandLine.paths).run()
            if report { log("\(domain.name): \(exit)") }
            return exit.exitCode
        } catch {
            log("\(domain.name): cannot start: \(error)")
            return setupFailed
        }
    }
}
