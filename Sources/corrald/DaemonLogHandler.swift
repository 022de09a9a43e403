import CorralRuntime
import Logging
import Glibc

/// One line per event on stderr. Under systemd (JOURNAL_STREAM set) each line starts with its
/// syslog priority, `<3>` … `<7>`, so journald keeps the levels; otherwise with a UTC time.
struct DaemonLogHandler: LogHandler {
    let label: String
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    private let journal = getenv("JOURNAL_STREAM") != nil

    init(label: String) { self.label = label }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        write(level: event.level, message: event.message)
    }

    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
             file: String, function: String, line: UInt) {
        write(level: level, message: message)
    }

    private func write(level: Logger.Level, message: Logger.Message) {
        let text: String
        if journal {
            text = "<\(DaemonLogHandler.priority(level))>\(message)\n"
        } else {
            text = "\(DaemonLogHandler.timestamp()) \(level) \(message)\n"
        }
        FileIO.writeAll(2, text)
    }

    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let length = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
