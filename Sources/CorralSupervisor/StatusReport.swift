/// The status report: a header, then one line per container — name, state, init pid, uptime,
/// restarts — as SIGUSR1 writes it and `corralctl list` prints it.
import CorralRuntime

public enum StatusReport {
    public static func lines(records: [ContainerRecord], now: Int64) -> [String] {
        let header = ["NAME", "STATE", "PID", "UPTIME", "RESTARTS"]
        var rows = [header]
        for record in records {
            let uptime = record.phase == .running ? record.startedAt.map { duration(now - $0) } ?? "-" : "-"
            rows.append([record.name, record.phase.rawValue, record.initPID.map(String.init) ?? "-", uptime, String(record.restarts)])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { $0.offset == row.count - 1 ? $0.element : $0.element.padding(to: widths[$0.offset]) }
                .joined(separator: "  ")
        }
    }

    /// One record as a JSON object, for `corralctl list|status --format json`.
    public static func json(_ record: ContainerRecord, now: Int64, statistics: CgroupStatistics? = nil,
                            interfaces: [InterfaceStatus] = []) -> String {
        var fields: [(String, String)] = [
            ("name", quoted(record.name)), ("state", quoted(record.phase.rawValue)),
            ("pid", record.initPID.map { String($0) } ?? "null"),
            ("uptime_seconds", record.phase == .running ? record.startedAt.map { String(max(0, now - $0)) } ?? "null" : "null"),
            ("restarts", String(record.restarts)), ("monitor_pid", String(record.monitorPID)),
            ("definition", quoted(record.definition)), ("since", String(record.since)),
        ]
        fields.append(("last_exit", record.lastExit.map(quoted) ?? "null"))
        fields.append(("next_start", record.nextStart.map { String($0) } ?? "null"))
        fields.append(("message", record.message.map(quoted) ?? "null"))
        fields.append(("cgroup", record.cgroup.map(quoted) ?? "null"))
        if let statistics {
            func value(_ number: UInt64?) -> String { number.map { String($0) } ?? "null" }
            fields += [("memory_current_bytes", value(statistics.memoryCurrent)), ("memory_peak_bytes", value(statistics.memoryPeak)),
                       ("memory_limit_bytes", value(statistics.memoryLimit)), ("cpu_usec", value(statistics.cpuMicroseconds)),
                       ("tasks", value(statistics.tasks))]
        }
        if !interfaces.isEmpty {
            let entries = interfaces.map { interface in
                let values: [(String, String)] = [
                    ("guest", quoted(interface.guestName)), ("host", interface.hostName.map(quoted) ?? "null"),
                    ("mac", quoted(interface.mac)), ("attachment", quoted(interface.attachment)),
                    ("addresses", "[" + interface.addresses.map(quoted).joined(separator: ", ") + "]"),
                    ("rx_bytes", interface.receivedBytes.map { String($0) } ?? "null"),
                    ("tx_bytes", interface.sentBytes.map { String($0) } ?? "null"),
                ]
                return object(values)
            }
            fields.append(("interfaces", "[" + entries.joined(separator: ", ") + "]"))
        }
        return object(fields)
    }

    /// A JSON object of fields whose values are JSON already.
    private static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// "3d4h", "2h05m", "4m07s", "12s".
    public static func duration(_ seconds: Int64) -> String {
        let seconds = max(0, seconds)
        let (days, hours, minutes, rest) = (seconds / 86400, seconds / 3600 % 24, seconds / 60 % 60, seconds % 60)
        if days > 0 { return "\(days)d\(hours)h" }
        if hours > 0 { return "\(hours)h\(minutes < 10 ? "0" : "")\(minutes)m" }
        if minutes > 0 { return "\(minutes)m\(rest < 10 ? "0" : "")\(rest)s" }
        return "\(rest)s"
    }
}

public extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
