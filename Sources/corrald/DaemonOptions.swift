import CorralDomain
import CorralRuntime
import CorralSupervisor
import ArgumentParser
import Glibc

/// corrald's directories and monitor, from /etc/corral/corrald.conf and the command line
/// (which wins).
struct DaemonOptions {
    static let defaultConfigFile = "/etc/corral/corrald.conf"

    var configDirectory = "/etc/corral/containers"
    var stateDirectory = "/run/corral"
    var logDirectory = "/var/log/corral"
    var templateDirectory = RuntimePaths().templateDirectory
    var overlayDirectory = RuntimePaths().overlayDirectory
    var networkDirectory = RuntimePaths().networkDirectory
    var monitorPath = DaemonOptions.besideThisExecutable("corral-monitor")
    var cgroupParent = RuntimePaths().cgroupParent
    /// Set by the configuration or the command line: then corrald does not derive its own.
    var cgroupParentIsExplicit = false

    var runtimePaths: RuntimePaths {
        var paths = RuntimePaths(templateDirectory: templateDirectory, overlayDirectory: overlayDirectory, stateDirectory: stateDirectory,
                                 cgroupParent: cgroupParent)
        paths.networkDirectory = networkDirectory
        return paths
    }

    /// Reads `configFile` (the default one may be absent; one named explicitly must exist).
    static func load(configFile: String?) throws -> DaemonOptions {
        var options = DaemonOptions()
        let path = configFile ?? defaultConfigFile
        // `--config /dev/null`: no configuration file at all.
        if path == "/dev/null" { return options }
        guard let text = StateDirectory.contents(of: path) else {
            if configFile == nil && access(path, F_OK) != 0 { return options }
            var status = stat()
            if stat(path, &status) == 0, (status.st_mode & S_IFMT) != S_IFREG {
                throw ValidationError("\(path): cannot read the configuration: not a regular file")
            }
            throw ValidationError("\(path): cannot read the configuration: \(errnoText(errno))")
        }
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            let parts = line.split(separator: "=", maxSplits: 1)
            let key = parts.first.map { String($0).trimmingASCIIWhitespace } ?? ""
            let value = parts.count == 2 ? String(parts[1]).trimmingASCIIWhitespace : ""
            guard parts.count == 2, !value.isEmpty else {
                throw ValidationError("\(path):\(index + 1): error: expected 'key = value'")
            }
            switch key {
            case "config-dir": options.configDirectory = value
            case "state-dir": options.stateDirectory = value
            case "log-dir": options.logDirectory = value
            case "template-dir": options.templateDirectory = value
            case "overlay-dir": options.overlayDirectory = value
            case "network-dir": options.networkDirectory = value
            case "monitor": options.monitorPath = value
            case "cgroup-parent":
                options.cgroupParent = value
                options.cgroupParentIsExplicit = true
            default:
                throw ValidationError("\(path):\(index + 1): error: unknown key '\(key)' (config-dir, state-dir, log-dir, template-dir, overlay-dir, network-dir, monitor, cgroup-parent)")
            }
        }
        return options
    }

    /// `name` in the directory of the running executable (/proc/self/exe).
    static func besideThisExecutable(_ name: String) -> String {
        guard let path = FileIO.linkTarget("/proc/self/exe"), let slash = path.lastIndex(of: "/") else { return name }
        return String(path[...slash]) + name
    }
}
