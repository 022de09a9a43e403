import CorralTestSupport
import Foundation
import Testing

/// `corralctl exec` into a container `corralctl run` started: its namespaces, PID namespace,
/// hostname and hardening, the caller's streams and the command's exit status, a pty, a user.
@Suite(.enabled(if: ContainerSandbox.canRunContainers, ContainerSandbox.skipReason))
struct ExecTests {
    /// Runs `body` with a container named `name` running until the sandbox ends it.
    static func withRunningContainer(_ body: (ContainerSandbox, _ exec: ([String], String?) throws -> ContainerSandbox.Run) throws -> Void) throws {
        try ContainerSandbox.with { sandbox in
            try FileManager.default.createDirectory(atPath: "\(sandbox.rootfs)/host", withIntermediateDirectories: true)
            let release = "\(sandbox.directory)/release"
            try Data().write(to: URL(fileURLWithPath: release))
            let container = try sandbox.start(sandbox.domain("target", script: """
                grep -E '^(CapBnd|NoNewPrivs|Seccomp):' /proc/self/status > /host/init-status; touch /host/up
                while [ -e /host/release ]; do sleep 0.05; done
                """, devices: "<filesystem type='mount'><source dir='\(sandbox.directory)'/><target dir='/host'/></filesystem>"), name: "target")
            defer {
                try? FileManager.default.removeItem(atPath: release)
                container.waitUntilExit()
            }
            ContainerSandbox.waitUntil({ FileManager.default.fileExists(atPath: "\(sandbox.directory)/up") }, while: { container.isRunning })
            try #require(FileManager.default.fileExists(atPath: "\(sandbox.directory)/up"), "the container never ran")
            try body(sandbox) { arguments, input in
                let command = ([ContainerSandbox.corralctl, "exec", "--state-dir", sandbox.state, "target"] + arguments)
                    .map { "'\($0.replacingOccurrences(of: "'", with: "'\\''"))'" }.joined(separator: " ")
                return try ContainerSandbox.run("/bin/sh", ["-c", input.map { "printf '\($0)' | \(command)" } ?? "\(command) < /dev/null"],
                                                in: sandbox.directory)
            }
        }
    }

    @Test func aCommandRunsInTheContainersNamespacesWithItsInitsHardening() throws {
        try Self.withRunningContainer { sandbox, exec in
            let run = try exec(["--", "sh", "-c", """
                echo pid=$$; hostname; grep -E '^(CapBnd|NoNewPrivs|Seccomp):' /proc/self/status; grep '^0::' /proc/self/cgroup; ls /host/up
                """], nil)
            #expect(run.status == 0, "\(run.errors)")
            let lines = run.output.split(separator: "\n").map(String.init)
            let pid = lines.first.flatMap { Int($0.dropFirst(4)) } ?? 0
            #expect(pid > 1 && pid < 100, "a pid of the container's namespace: \(run.output)")
            #expect(lines.dropFirst().first == "target", "its hostname")
            let initStatus = try String(contentsOfFile: "\(sandbox.directory)/init-status", encoding: .utf8)
            #expect(run.output.contains(initStatus), "the same bounding set, no_new_privs and seccomp as init:\n\(initStatus)\n\(run.output)")
            #expect(lines.contains("0::/"), "the container's cgroup namespace: \(run.output)")
            #expect(lines.last == "/host/up", "the container's filesystem")
        }
    }

    @Test func streamsExitStatusAndErrorsAreTheCommands() throws {
        try Self.withRunningContainer { _, exec in
            let piped = try exec(["--", "cat"], "from-stdin\\n")
            #expect(piped.status == 0 && piped.output == "from-stdin\n", "\(piped.errors)")
            #expect(try exec(["--", "sh", "-c", "exit 7"], nil).status == 7)
            #expect(try exec(["--", "sh", "-c", "kill -9 $$"], nil).status == 128 + 9)
            let missing = try exec(["no-such-command"], nil)
            #expect(missing.status == 127)
            #expect(missing.errors == "target: cannot exec: 'no-such-command': no such command in the container (searched its PATH)\n")
            let user = try exec(["--user", "app", "--cwd", "/srv", "--env", "GREETING=hi", "--", "sh", "-c",
                                 "id -u; pwd; echo $GREETING; grep CapEff /proc/self/status"], nil)
            #expect(user.output == "1000\n/srv\nhi\nCapEff:\t0000000000000000\n", "\(user.output)\(user.errors)")
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a pty"))
    func aTerminalGetsAPtyOfItsOwn() throws {
        try Self.withRunningContainer { sandbox, _ in
            let command = "\(ContainerSandbox.corralctl) exec --state-dir \(sandbox.state) target -- sh -c '[ -t 0 ] && [ -t 1 ] && echo pty-yes; tty'"
            let run = try ContainerSandbox.run("/usr/bin/script", ["-qec", command, "/dev/null"], in: sandbox.directory)
            #expect(run.output.contains("pty-yes"), "\(run.output)\(run.errors)")
            #expect(run.output.contains("/dev/pts/"), "a pty of the container's devpts, named there: \(run.output)")
        }
    }

    /// The helpers that join the container hold the host root's credentials and the caller's
    /// environment for an instant: not dumpable, so root inside can neither read that
    /// environment nor ptrace them. The caller itself never joins the container's cgroup.
    @Test func theHelpersAreOutOfTheContainersReach() throws {
        try Self.withRunningContainer { sandbox, exec in
            try sandbox.installSyscallProbe()
            // A watcher inside, started through exec, reading every /proc/N/environ for 4 s…
            let watcher = Process()
            watcher.executableURL = URL(fileURLWithPath: ContainerSandbox.corralctl)
            watcher.arguments = ["exec", "--state-dir", sandbox.state, "target", "--", "/bin/probe", "watch-environ",
                                 "CORRAL_EXEC_SECRET", "4"]
            let output = Pipe()
            watcher.standardOutput = output
            watcher.standardInput = FileHandle.nullDevice
            try watcher.run()
            // …while execs with a secret in their environment come and go.
            for _ in 0..<40 {
                _ = try ContainerSandbox.run("/usr/bin/env", ["CORRAL_EXEC_SECRET=hunter2", ContainerSandbox.corralctl, "exec", "--state-dir",
                                                              sandbox.state, "target", "--", "true"], in: sandbox.directory)
            }
            watcher.waitUntilExit()
            let seen = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(seen.hasPrefix("watch-environ: not found after "), "\(seen)")
            // The caller is not among the container's processes (as pid 0, outside its namespace).
            let procs = try exec(["--", "cat", "/sys/fs/cgroup/cgroup.procs"], nil)
            #expect(!procs.output.split(separator: "\n").contains("0"), "\(procs.output)")
        }
    }

    @Test func theRestrictionsAreInitsNotThoseOfAFileEditedSince() throws {
        try Self.withRunningContainer { sandbox, exec in
            let file = "\(sandbox.directory)/target.xml"
            let edited = try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "</domain>", with: """
                <features><capabilities policy='allow'/></features>
                <metadata><c:container xmlns:c='https://corral.dev/xmlns/container/1'><c:seccomp filter='off'/></c:container></metadata>
                </domain>
                """)
            try edited.write(toFile: file, atomically: true, encoding: .utf8)
            let run = try exec(["--", "grep", "^Seccomp:", "/proc/self/status"], nil)
            #expect(run.output == "Seccomp:\t2\n", "\(run.output)\(run.errors)")
        }
    }

    @Test func anUnknownContainerIsAClearError() throws {
        try ContainerSandbox.with { sandbox in
            let run = try ContainerSandbox.run(ContainerSandbox.corralctl, ["exec", "--state-dir", sandbox.state, "ghost", "--", "true"],
                                               in: sandbox.directory)
            #expect(run.status == 125)
            #expect(run.errors.hasPrefix("ghost: cannot exec: no running container 'ghost' in \(sandbox.state)"), "\(run.errors)")
        }
    }
}
