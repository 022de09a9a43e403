import CorralDomain
import CorralRuntime
import Glibc

/// The files of STATE_DIR (default /run/corral): per container `NAME.state` (its record) and
/// `NAME.xml` (the canonical definition its monitor runs), plus `corrald.pid` and `status`.
/// Every write is atomic (temporary file, fsync-free rename: /run is a tmpfs).
public struct StateDirectory: Sendable {
    public let path: String

    public init(_ path: String) { self.path = path }

    public func record(of name: String) -> String { "\(path)/\(name).state" }
    public func definition(of name: String) -> String { "\(path)/\(name).xml" }
    public var daemonPIDFile: String { "\(path)/corrald.pid" }
    /// The monitor's console socket, for `corralctl console`: the first console's, or with
    /// `tty` N the one of the container's /dev/ttyN.
    public func console(of name: String, tty: Int = 0) -> String {
        tty == 0 ? "\(path)/\(name).console" : "\(path)/\(name).tty\(tty).console"
    }

    /// Removes every console socket a container's monitor may have made.
    public func removeConsoles(of name: String) {
        // ENOENT: not made, or removed already.
        for tty in 0..<Console.maximumCount { _ = unlink(console(of: name, tty: tty)) }
    }

    /// An operator's request to corrald for one container (`corralctl stop|start|restart`):
    /// written atomically, read and removed by corrald, which watches the directory.
    public func request(of name: String) -> String { "\(path)/\(name).request" }

    /// corrald's answer to a request: `ok`, or `error: …`.
    public func response(of name: String) -> String { "\(path)/\(name).response" }

    /// Present while a container is stopped by request: corrald starts it again only on a
    /// `start` (or `restart`) request, across reloads and its own restarts.
    public func held(_ name: String) -> String { "\(path)/\(name).held" }

    public func isHeld(_ name: String) -> Bool { access(held(name), F_OK) == 0 }
    public var statusFile: String { "\(path)/status" }

    public func create() throws {
        try HostDirectory.create(path)
    }

    public func write(_ record: ContainerRecord) throws {
        try FileIO.writeAtomically(record.encoded, to: self.record(of: record.name))
    }

    public func read(_ name: String) -> ContainerRecord? {
        StateDirectory.contents(of: record(of: name)).flatMap(ContainerRecord.init(decoding:))
    }

    /// Every record in the directory, by name.
    public func records() -> [ContainerRecord] {
        names(withSuffix: ".state").compactMap(read).sorted { $0.name < $1.name }
    }

    public func remove(_ name: String) {
        // Missing files are fine: removing is idempotent.
        _ = unlink(record(of: name))
        _ = unlink(definition(of: name))
        removeConsoles(of: name)
    }

    /// Names of files `NAME<suffix>` in the directory.
    public func names(withSuffix suffix: String) -> [String] {
        FileIO.entries(of: path).map(\.name).filter { $0.hasSuffix(suffix) && !$0.hasPrefix(".") }
            .map { String($0.dropLast(suffix.count)) }.sorted()
    }

    /// The whole file, or nil when it cannot be read.
    public static func contents(of path: String) -> String? { FileIO.text(path) }
}

/// Clocks as the records use them.
public enum WallClock {
    /// Seconds since the epoch.
    public static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec)
    }
}
