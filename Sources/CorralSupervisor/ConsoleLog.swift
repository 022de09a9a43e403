import CorralRuntime
import Glibc

/// LOG_DIR/NAME.log: the container's console output and the monitor's event lines, capped in
/// size with one rotation (NAME.log.1), so a chatty container cannot fill the disk.
public final class ConsoleLog {
    public static let defaultCapacity = 1 << 20

    public let path: String
    private let capacity: Int
    private var descriptor: Int32 = -1
    private var size = 0

    /// LOG_DIR/NAME.log, the container's console and its monitor's events; with `tty` N,
    /// LOG_DIR/NAME.ttyN.log, its /dev/ttyN.
    public static func path(in directory: String, container: String, tty: Int = 0) -> String {
        tty == 0 ? "\(directory)/\(container).log" : "\(directory)/\(container).tty\(tty).log"
    }

    public init(path: String, capacity: Int = ConsoleLog.defaultCapacity) throws {
        self.path = path
        self.capacity = capacity
        try reopen()
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Starts every event line; replaced in the container's output, so no line the container
    /// writes can pass for one of Corral's (`corralctl logs` hides it on a terminal).
    public static let eventMarker: UInt8 = 0x1F

    /// The container's console output, with the event marker replaced by '?'.
    public func appendConsole(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.contains(ConsoleLog.eventMarker) else { return append(bytes) }
        var copy = Array(bytes)
        for index in copy.indices where copy[index] == ConsoleLog.eventMarker { copy[index] = UInt8(ascii: "?") }
        copy.withUnsafeBytes { append($0) }
    }

    private func append(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        if size + bytes.count > capacity { rotate() }
        // A full disk loses log lines, never the container.
        guard FileIO.writeAll(descriptor, bytes) else { return }
        size += bytes.count
    }

    /// A line from Corral itself, marked as such among the console output.
    public func event(_ text: String) {
        var line = [ConsoleLog.eventMarker] + Array("[corral] \(text)\n".utf8)
        line.withUnsafeMutableBytes { append(UnsafeRawBufferPointer($0)) }
    }

    private func rotate() {
        close(descriptor)
        descriptor = -1
        _ = rename(path, path + ".1")
        do {
            try reopen()
        } catch {
            // Nothing to write to: the next append tries again through rotate.
            size = capacity
        }
    }

    private func reopen() throws {
        let opened = try FileIO.openLog(path)
        descriptor = opened
        var status = stat()
        size = fstat(opened, &status) == 0 ? Int(status.st_size) : 0
    }
}
