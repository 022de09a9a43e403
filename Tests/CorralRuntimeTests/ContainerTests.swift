import CorralTestSupport
import Foundation
import Testing

/// Real containers on a busybox rootfs, started with `corralctl run`; each proves from inside
/// what it sees, and each checks afterwards that nothing of it is left on the host.
@Suite(.enabled(if: ContainerSandbox.canRunContainers, ContainerSandbox.skipReason))
struct ContainerTests {
    @Test func initIsPIDOneInItsOwnNamespaces() throws {
        try ContainerSandbox.with { sandbox in
            let run = try sandbox.run(sandbox.domain("web_1.example", script: """
                echo "pid=$$"; echo "host=$(hostname)"; echo "cwd=$(pwd)"; echo "uid=$(id -u):$(id -g)"
                echo "ifaces=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ' ')"
                echo "lo=$(ip link show lo 2>/dev/null | grep -o 'UP' | head -1)"
                echo "procs=$(ls /proc | grep -c '^[0-9]')"
                echo "dev=$(ls /dev | tr '\\n' ' ')"
                echo "container=$container"; echo "PATH=$PATH"
                """))
            #expect(run.status == 0, "\(run.errors)")
            let lines = Set(run.output.split(separator: "\n").map(String.init))
            for expected in ["pid=1", "host=web-1-example", "cwd=/", "uid=0:0", "ifaces=lo ", "lo=UP", "container=corral",
                             "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                             "dev=fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero "] {
                #expect(lines.contains(expected), "missing '\(expected)' in:\n\(run.output)")
            }
            // Only init and the commands of this line are visible, not the host's processes.
            let procs = run.output.split(separator: "\n").first { $0.hasPrefix("procs=") }.flatMap { Int($0.dropFirst(6)) }
            #expect((procs ?? 99) <= 4, "\(run.output)")
        }
    }

    @Test func systemFilesystemsAreMountedAsDesigned() throws {
        try ContainerSandbox.with { sandbox in
            let run = try sandbox.run(sandbox.domain("sys", script: """
                grep -E ' /(proc|sys|dev|dev/pts|dev/shm|dev/mqueue) ' /proc/mounts | cut -d' ' -f2-4
                echo x > /sys/kernel/x 2>/dev/null || echo sys-read-only
                readlink /dev/ptmx; echo z > /dev/null && echo null-works; head -c 4 /dev/zero | wc -c
                ls -l /dev/null /dev/zero /dev/tty | cut -c1-10 | tr '\\n' ' '; echo
                """))
            #expect(run.status == 0, "\(run.errors)")
            for expected in ["/proc proc rw,nosuid,nodev,noexec,relatime", "/sys sysfs ro,nosuid,nodev,noexec,relatime",
                             "/dev tmpfs rw,nosuid,noexec,relatime,size=64k,mode=755", "/dev/pts devpts rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=666",
                             "/dev/shm tmpfs rw,nosuid,nodev,relatime", "/dev/mqueue mqueue rw,nosuid,nodev,noexec,relatime",
                             "sys-read-only", "pts/ptmx", "null-works", "4", "crw-rw-rw- crw-rw-rw- crw-rw-rw- "] {
                #expect(run.output.contains(expected), "missing '\(expected)' in:\n\(run.output)")
            }
        }
    }

    @Test func environmentWorkingDirectoryAndArguments() throws {
        try ContainerSandbox.with { sandbox in
            let definition = sandbox.domain("env", script: "echo \"cwd=$(pwd) foo=$FOO quoted=$QUOTED args=$0,$1\"",
                                            os: "<initarg>first</initarg><initarg>second</initarg><initenv name='FOO'>bar baz</initenv><initenv name='QUOTED'>it&apos;s &amp; &lt;x&gt;</initenv><initdir>/srv</initdir>",
                                            extra: "<uuid>8369f1ac-7e46-e869-4ca5-759d51478066</uuid>")
            let run = try sandbox.run(definition)
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output == "cwd=/srv foo=bar baz quoted=it's & <x> args=first,second\n")
            let uuid = try sandbox.run(sandbox.domain("uuid", script: "echo $container_uuid",
                                                      extra: "<uuid>8369f1ac-7e46-e869-4ca5-759d51478066</uuid>"))
            #expect(uuid.output == "8369f1ac-7e46-e869-4ca5-759d51478066\n")
        }
    }

    @Test(arguments: [("app", "app", "1000:1001"), ("1000", "50", "1000:50"), ("root", "staff", "0:50")])
    func initUserAndGroupByNameOrNumber(user: String, group: String, expected: String) throws {
        try ContainerSandbox.with { sandbox in
            let run = try sandbox.run(sandbox.domain("user", script: "echo $(id -u):$(id -g) groups=$(id -G)",
                                                     os: "<inituser>\(user)</inituser><initgroup>\(group)</initgroup>"))
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output == "\(expected) groups=\(expected.split(separator: ":")[1])\n")
        }
    }

    @Test func unknownInitUserIsNamed() throws {
        try ContainerSandbox.with { sandbox in
            let run = try sandbox.run(sandbox.domain("nouser", script: "true", os: "<inituser>nobody2</inituser><initgroup>0</initgroup>"))
            #expect(run.status == 125)
            #expect(run.errors == "nouser: cannot start: <inituser> 'nobody2': no such user in the container's /etc/passwd\n")
        }
    }

    @Test func exitStatusAndGracefulStop() throws {
        try ContainerSandbox.with { sandbox in
            #expect(try sandbox.run(sandbox.domain("exit7", script: "exit 7")).status == 7)
            // SIGTERM to corralctl becomes the stop signal to init, which here exits on it.
            let stopped = try sandbox.run(sandbox.domain("stop", script: "trap 'echo stopping; exit 3' TERM; echo started; sleep 60 & wait"),
                                          signalAfter: (seconds: 0.5, signal: SIGTERM))
            #expect(stopped.status == 3, "\(stopped.errors)")
            #expect(stopped.output == "started\nstopping\n")
            // An init that ignores the stop signal is killed after <corral:stop timeout>.
            let killed = try sandbox.run(sandbox.domain("ignore", script: "trap '' TERM; sleep 60 & wait; wait",
                                                        extra: "<metadata><c:container xmlns:c='https://corral.dev/xmlns/container/1'><c:stop timeout='1'/></c:container></metadata>"),
                                         signalAfter: (seconds: 0.5, signal: SIGTERM))
            #expect(killed.status == 137)
        }
    }

    @Test func initStartsWithDefaultSignalsWhateverTheCallerIgnored() throws {
        try ContainerSandbox.with { sandbox in
            let file = "\(sandbox.directory)/signals.xml"
            // grep itself is init: a shell as PID 1 ignores some signals of its own accord.
            let definition = sandbox.domain("signals", script: "")
                .replacingOccurrences(of: "<init>/bin/sh</init>", with: "<init>/bin/grep</init>")
                .replacingOccurrences(of: "<initarg>-c</initarg>", with: "<initarg>-E</initarg><initarg>^(SigBlk|SigIgn):</initarg>")
                .replacingOccurrences(of: "<initarg></initarg>", with: "<initarg>/proc/self/status</initarg>")
            try definition.write(toFile: file, atomically: true, encoding: .utf8)
            // The caller ignores SIGPIPE and SIGHUP, as nohup and many shells do.
            let run = try ContainerSandbox.run("/bin/sh", ["-c", "trap '' PIPE HUP; exec \(ContainerSandbox.corralctl) run \(file) --state-dir \(sandbox.state)"],
                                               in: sandbox.directory)
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output == "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n")
        }
    }

    @Test func theContainerCannotSignalItsCallersProcessGroup() throws {
        try ContainerSandbox.with { sandbox in
            // kill 0 inside signals the container's own process group, never the caller's.
            let file = "\(sandbox.directory)/group.xml"
            try sandbox.domain("group", script: "trap '' TERM; kill -TERM 0; echo signalled").write(toFile: file, atomically: true, encoding: .utf8)
            let run = try ContainerSandbox.run("/bin/sh", ["-c", "\(ContainerSandbox.corralctl) run \(file) --state-dir \(sandbox.state); echo caller-alive"],
                                               in: sandbox.directory)
            #expect(run.output == "signalled\ncaller-alive\n", "\(run.output)\(run.errors)")
        }
    }
}
