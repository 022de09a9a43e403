import CorralTestSupport
import Foundation
import Testing

/// `corralctl run` from a terminal: the container gets a pty or pipes of its own, never a
/// descriptor of the caller's terminal, so nothing it does reaches the caller's shell. Run
/// under `script`, which gives corralctl a real pty as a login shell has.
@Suite(.enabled(if: ContainerSandbox.canRunContainers, ContainerSandbox.skipReason),
       .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) (bsdutils) for a pty"))
struct TerminalTests {
    /// Runs `shell` in a new pty (script -q -e -c), with its output; the command's terminal is
    /// that pty, as for a user at a terminal.
    static func inPty(_ shell: String, in sandbox: ContainerSandbox) throws -> ContainerSandbox.Run {
        try ContainerSandbox.run("/usr/bin/script", ["-q", "-e", "-c", shell, "/dev/null"], in: sandbox.directory)
    }

    static func command(_ sandbox: ContainerSandbox, _ file: String) -> String {
        "\(ContainerSandbox.corralctl) run \(file) --state-dir \(sandbox.state) --cgroup-parent \(sandbox.cgroupParent)"
    }

    @Test func anInteractiveContainerGetsAPtyAndTIOCSTIStaysInside() throws {
        try ContainerSandbox.with { sandbox in
            try sandbox.installSyscallProbe()
            let file = "\(sandbox.directory)/tty.xml"
            let device = "$(stat -L -c %t:%T /proc/self/fd/0)"
            try sandbox.domain("tty", script: "echo container-stdin=\(device); /bin/probe tiocsti; exit 0")
                .write(toFile: file, atomically: true, encoding: .utf8)
            // If the container could push into the caller's terminal, the shell's `read` would
            // get the injected line once the container is gone.
            let run = try Self.inPty("echo caller-stdin=\(device); \(Self.command(sandbox, file)) ; read -t 2 line; echo \"after=[$line]\"",
                                     in: sandbox)
            let output = run.output.replacingOccurrences(of: "\r", with: "")
            // (script(1) at end of its input sends a byte the pty echoes as "^@": match inside lines.)
            let value = { (key: String) in
                output.split(separator: "\n").compactMap { line in line.range(of: key + "=").map { line[$0.upperBound...] } }.first
            }
            let caller = value("caller-stdin"), container = value("container-stdin")
            #expect(caller != nil && container != nil && caller != container, "init's stdin is a pty of its own: \(output)")
            #expect(output.contains("tiocsti fd 0:"), "the probe ran: \(output)")
            #expect(output.contains("after=[]"), "nothing reached the caller's shell: \(output)")
            #expect(!output.contains("after=[echo INJECTED"), "\(output)")
        }
    }

    @Test func withoutInputFromATerminalOutputGoesThroughPipes() throws {
        try ContainerSandbox.with { sandbox in
            try sandbox.installSyscallProbe()
            let file = "\(sandbox.directory)/pipes.xml"
            try sandbox.domain("pipes", script: "readlink /proc/self/fd/1; readlink /proc/self/fd/2 >&2; /bin/probe tiocsti; exit 0")
                .write(toFile: file, atomically: true, encoding: .utf8)
            let run = try Self.inPty("\(Self.command(sandbox, file)) < /dev/null; read -t 2 line; echo \"after=[$line]\"", in: sandbox)
            let output = run.output.replacingOccurrences(of: "\r", with: "")
            let lines = output.split(separator: "\n").map(String.init)
            #expect(lines.filter { $0.hasPrefix("pipe:[") }.count == 2, "stdout and stderr are pipes: \(output)")
            #expect(lines.contains("tiocsti fd 1: Inappropriate ioctl for device"), "\(output)")
            #expect(output.contains("after=[]"), "\(output)")
        }
    }
}
