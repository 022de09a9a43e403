import CorralDomain
import Glibc

/// `STATE_DIR/NAME.launcher`: which process launched the container NAME (pid and start time),
/// its init once it runs, and the definition it runs. A later start tells by it a container
/// still owned by a live launcher from one a killed launcher left running — its init may have
/// cleared the parent-death signal that should have taken it along: the orphan is killed and its
/// cgroups reclaimed, while a live owner's container still refuses the start. `corralctl exec`
/// finds a container started by `corralctl run` by it.
public struct LauncherClaim {
    let path: String

    /// What the file says.
    public struct Record: Equatable {
        public var launcherPID: Int32
        public var launcherStartTime: UInt64
        public var initPID: Int32?
        public var initStartTime: UInt64?
        public var definition: String?

        /// One `key=value` line each. Appended, not `joined`: the unspecialised `joined` first
        /// looks up its associated types by name, a scan of every protocol conformance of the
        /// binary — ~0.1 ms of a start, spent right before the clone.
        var encoded: String {
            var text = "launcher=\(launcherPID) \(launcherStartTime)\n"
            if let initPID, let initStartTime { text += "init=\(initPID) \(initStartTime)\n" }
            if let definition { text += "definition=\(definition)\n" }
            return text
        }

        init(launcherPID: Int32, launcherStartTime: UInt64) {
            self.launcherPID = launcherPID
            self.launcherStartTime = launcherStartTime
        }

        init?(decoding text: String) {
            var values: [Substring: Substring] = [:]
            for line in text.split(separator: "\n") {
                guard let equals = line.firstIndex(of: "=") else { continue }
                values[line[..<equals]] = line[line.index(after: equals)...]
            }
            func pair(_ key: Substring) -> (Int32, UInt64)? {
                let fields = values[key]?.split(separator: " ") ?? []
                guard fields.count == 2, let pid = Int32(fields[0]), let start = UInt64(fields[1]) else { return nil }
                return (pid, start)
            }
            guard let launcher = pair("launcher") else { return nil }
            (launcherPID, launcherStartTime) = launcher
            (initPID, initStartTime) = pair("init").map { ($0.0, $0.1) } ?? (nil, nil)
            definition = values["definition"].map(String.init)
        }
    }

    public init(container: String, paths: RuntimePaths) {
        path = "\(paths.stateDirectory)/\(container).launcher"
    }

    public func read() -> Record? {
        FileIO.text(path).flatMap(Record.init(decoding:))
    }

    /// Reclaims the cgroup `relativePath` when the launcher recorded for it is gone; true when
    /// it did (the orphan's loop devices are then being released).
    func reclaimOrphan(relativePath: String, layout: CgroupLayout?) -> Bool {
        guard let record = read(), !ProcessIdentity.isAlive(record.launcherPID, startTime: record.launcherStartTime) else {
            return false
        }
        if let layout { ContainerCgroup.reclaim(relativePath: relativePath, layout: layout) }
        release()
        return true
    }

    /// The definition the container runs, as it was at the start (`corralctl exec` must apply
    /// init's restrictions, not those of a file edited since). Not `NAME.launcher.xml`: that is
    /// also where corrald keeps the definition of a container named `NAME.launcher`.
    var definitionCopy: String { path + "-definition" }

    /// Records this process as the container's launcher, and its init (pid and start time) once
    /// it runs.
    func record(initPID: pid_t? = nil, initStartTime: UInt64 = 0, definition: String? = nil) throws {
        var record = Record(launcherPID: getpid(), launcherStartTime: ProcessIdentity.ownStartTime)
        if let initPID {
            record.initPID = initPID
            record.initStartTime = initStartTime
        }
        record.definition = definition
        try FileIO.writeAtomically(record.encoded, to: path)
    }

    /// Removes the record and the definition copy.
    public func release() {
        // ENOENT: there was none.
        _ = unlink(path)
        _ = unlink(definitionCopy)
    }
}
