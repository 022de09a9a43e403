import ArgumentParser
import CorralDomain
import CorralRuntime
import CorralSupervisor
import Glibc

struct Exec: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a command inside a running container.",
        discussion: """
            Joins every namespace of the container's init (its user namespace too) and its cgroup, \
            with init's capability bounding set, no_new_privs and seccomp filter, and runs COMMAND \
            there (looked up in the container's PATH). With a terminal on stdin (or -t) the command \
            gets a pty of its own; otherwise the caller's stdin, stdout and stderr (those that are a \
            terminal replaced by pipes). Exits with the command's status (128+N if signal N killed \
            it; 125 if it could not be started, 127 if there is no such command). Works for \
            containers under corrald and for `corralctl run` with the same --state-dir.
            """)

    @Argument(help: "The container's name.") var name: String
    @Option(help: ArgumentHelp("The user to run as: a name from the container's /etc/passwd, or a uid.", valueName: "user"))
    var user: String?
    @Option(help: ArgumentHelp("The working directory inside the container.", valueName: "dir")) var cwd: String?
    @Option(name: .customLong("env"), help: ArgumentHelp("An environment variable, K=V (repeatable).", valueName: "K=V"))
    var environment: [String] = []
    @Flag(name: .customShort("t"), help: "A pty even when stdin is not a terminal.") var terminal = false
    @Flag(name: .customShort("T"), help: "No pty even when stdin is a terminal.") var noTerminal = false
    @OptionGroup var stateOptions: StateOptions
    @Argument(parsing: .remaining, help: "The command and its arguments.") var command: [String] = []

    func validate() throws {
        guard !command.isEmpty, !(command == ["--"]) else { throw ValidationError("no command given: corralctl exec NAME [--] COMMAND [ARG…]") }
        guard !(terminal && noTerminal) else { throw ValidationError("-t and -T exclude each other") }
        for variable in environment where !variable.contains("=") || variable.hasPrefix("=") {
            throw ValidationError("--env '\(variable)': expected K=V")
        }
    }

    func run() throws {
        let (initPID, definition): (pid_t, String)
        do {
            (initPID, definition) = try locate()
        } catch {
            StandardError.write("\(name): cannot exec: \(error)\n")
            throw ExitCode(125)
        }
        let domain: Domain
        do {
            domain = try DomainParser.parse(contentsOf: definition)
        } catch {
            throw ValidationError("\(name): cannot read the definition it runs: \(error)")
        }
        var options = ContainerExec.Options()
        options.user = user
        options.directory = cwd
        options.environment = environment
        options.terminal = terminal ? true : noTerminal ? false : nil
        let arguments = command.first == "--" ? Array(command.dropFirst()) : command
        do {
            let status = try ContainerExec(domain: domain, initPID: initPID, command: arguments, options: options,
                                           paths: RuntimePaths(stateDirectory: stateOptions.stateDirectory)).run()
            throw ExitCode(status)
        } catch let error as RuntimeError {
            // The failure record speaks of init's elements; here they are the options.
            let text = error.description.replacing("<inituser>", with: "--user").replacing("(<initdir>)", with: "(--cwd)")
                .replacing("setuid '", with: "setuid --user '")
            StandardError.write("\(name): cannot exec: \(text)\n")
            throw ExitCode(error.code == .invalidInput && error.message.contains("no such command") ? 127 : 125)
        } catch let error as SystemCallError {
            StandardError.write("\(name): cannot exec: \(error)\n")
            throw ExitCode(125)
        }
    }

    /// init's pid and the definition it runs: from corrald's record, or from the record of a
    /// `corralctl run` launcher.
    private func locate() throws -> (pid_t, String) {
        let state = stateOptions.state
        if let record = state.read(name), record.phase != .stopped {
            guard record.phase == .running, let pid = record.initPID else {
                throw RuntimeError("not running (\(record.phase.rawValue))")
            }
            return (pid, state.definition(of: name))
        }
        let claim = LauncherClaim(container: name, paths: RuntimePaths(stateDirectory: stateOptions.stateDirectory))
        guard let record = claim.read(), let pid = record.initPID, let start = record.initStartTime, let definition = record.definition,
              ProcessIdentity.isAlive(pid, startTime: start) else {
            throw RuntimeError("no running container '\(name)' in \(stateOptions.stateDirectory) (started by corrald or `corralctl run --state-dir`?)")
        }
        return (pid, definition)
    }
}
