import ArgumentParser
import CorralRuntime
import CorralSupervisor
import Glibc

/// `corralctl stop|start|restart NAME [--wait]`: a request to corrald through its state
/// directory (which it watches), and with --wait, the record polled until the state is reached.
struct RequestOptions: ParsableArguments {
    @Argument(help: "The container's name.") var name: String
    @Flag(help: "Wait until the container has reached the state.") var wait = false
    @Option(help: ArgumentHelp("With --wait: how long, at most.", valueName: "seconds")) var timeout: Int = 60
    @OptionGroup var stateOptions: StateOptions

    /// Sends `request` and waits (5 s at most) for corrald's answer.
    func send(_ request: OperatorRequest) throws {
        let state = stateOptions.state
        guard let text = StateDirectory.contents(of: state.daemonPIDFile), let pid = pid_t(text.trimmingASCIIWhitespace),
              kill(pid, 0) == 0 else {
            fail("corrald is not running with --state-dir \(stateOptions.stateDirectory)")
        }
        // ENOENT: no earlier answer.
        _ = unlink(state.response(of: name))
        do {
            try FileIO.writeAtomically(request.rawValue + "\n", to: state.request(of: name), mode: 0o600)
        } catch {
            fail("cannot send the \(request.rawValue) request: \(error)")
        }
        let deadline = MonotonicClock.milliseconds() + 5000
        while MonotonicClock.milliseconds() < deadline {
            if let answer = StateDirectory.contents(of: state.response(of: name)) {
                _ = unlink(state.response(of: name))
                let answer = answer.trimmingASCIIWhitespace
                guard answer == "ok" else { fail(answer.hasPrefix("error: ") ? String(answer.dropFirst(7)) : answer) }
                return
            }
            usleep(20_000)
        }
        fail("corrald did not answer the \(request.rawValue) request within 5 s")
    }

    /// The error, naming the container, and exit status 1 (not the usage text).
    func fail(_ message: String) -> Never {
        StandardError.write("\(name): \(message)\n")
        Stop.exit(withError: ExitCode(1))
    }

    /// Polls the record until `reached` says so; a clear error after `timeout` seconds.
    func waitUntil(_ what: String, _ reached: (ContainerRecord?) -> Bool) throws {
        guard wait else { return }
        let deadline = MonotonicClock.milliseconds() + Int64(timeout) * 1000
        while !reached(stateOptions.state.read(name)) {
            guard MonotonicClock.milliseconds() < deadline else { fail("not \(what) after \(timeout) s (corralctl status \(name))") }
            usleep(50_000)
        }
    }
}

struct Stop: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stop a container corrald supervises and keep it stopped (across reloads and restarts of corrald) until `start`.")
    @OptionGroup var request: RequestOptions

    func run() throws {
        let before = request.stateOptions.state.read(request.name)?.monitorPID
        try request.send(.stop)
        try request.waitUntil("stopped") { record in
            record == nil || record?.phase == .stopped || (record?.monitorPID != before && record?.phase != .running)
        }
    }
}

struct Start: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start a container corrald keeps stopped by request.")
    @OptionGroup var request: RequestOptions

    func run() throws {
        try request.send(.start)
        try request.waitUntil("running") { $0?.phase == .running }
    }
}

struct Restart: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Give a container corrald supervises a new init.")
    @OptionGroup var request: RequestOptions

    func run() throws {
        let before = request.stateOptions.state.read(request.name)?.initPID
        try request.send(.restart)
        try request.waitUntil("restarted") { $0?.phase == .running && $0?.initPID != nil && $0?.initPID != before }
    }
}
