import CorralRuntime
import CorralSupervisor
import Glibc

extension Daemon {
    // MARK: Status

    /// "3 running, 1 starting, 1 restarting, 2 stopped", for STATUS= and the log.
    func statusSummary() -> String {
        var counts: [String: Int] = ["running": 0, "starting": 0, "restarting": 0, "stopping": 0, "stopped": 0]
        for container in containers.values {
            guard container.monitor != nil else {
                counts["stopped", default: 0] += 1
                continue
            }
            // The phase of its record's last change (corrald follows them): no file read.
            switch container.lastPhase {
            case .running: counts["running", default: 0] += 1
            case .backoff: counts["restarting", default: 0] += 1
            case .stopping: counts["stopping", default: 0] += 1
            case .starting, .stopped, nil: counts["starting", default: 0] += 1
            }
        }
        return ["running", "starting", "restarting", "stopping", "stopped"]
            .compactMap { key in counts[key].flatMap { $0 > 0 || key == "running" ? "\($0) \(key)" : nil } }
            .joined(separator: ", ")
    }

    func writeStatusReport() {
        let lines = StatusReport.lines(records: state.records(), now: WallClock.now())
        for line in lines.dropFirst() { logger.info("status: \(line)") }
        do {
            try FileIO.writeAtomically(lines.joined(separator: "\n") + "\n", to: state.statusFile)
            logger.info("SIGUSR1: status of \(lines.count - 1) container(s) written to \(state.statusFile)")
        } catch {
            logger.error("SIGUSR1: cannot write \(state.statusFile): \(error)")
        }
    }
}
