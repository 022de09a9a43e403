import CorralSupervisor

/// The status report: a header, then one line per container — name, state, init pid, uptime,
/// restarts — as SIGUSR1 writes it and `corralctl list` prints it.
enum StatusReport {
    static func lines(records: [ContainerRecord], now: Int64) -> [String] {
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

    /// "3d4h", "2h05m", "4m07s", "12s".
    static func duration(_ seconds: Int64) -> String {
        let seconds = max(0, seconds)
        let (days, hours, minutes, rest) = (seconds / 86400, seconds / 3600 % 24, seconds / 60 % 60, seconds % 60)
        if days > 0 { return "\(days)d\(hours)h" }
        if hours > 0 { return "\(hours)h\(minutes < 10 ? "0" : "")\(minutes)m" }
        if minutes > 0 { return "\(minutes)m\(rest < 10 ? "0" : "")\(rest)s" }
        return "\(rest)s"
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
