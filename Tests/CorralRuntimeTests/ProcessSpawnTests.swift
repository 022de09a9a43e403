@testable import CorralRuntime
import Foundation
import Glibc
import Testing

/// ProcessControl.spawn (corrald's monitors, nft, systemctl): the child shares the caller's
/// memory until its exec (CLONE_VM | CLONE_VFORK), so what it inherits, how its failures come
/// back and callers on several threads at once are each checked on real processes.
@Suite struct ProcessSpawnTests {
    @Test func theChildHasItsOwnSessionAndEverySignalAtItsDefault() throws {
        // What the caller ignores or blocks must not reach the child: an ignored SIGPIPE
        // survives execve unless reset, and so does a blocked mask.
        var blocked = sigset_t(), saved = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGUSR2)
        #expect(pthread_sigmask(SIG_BLOCK, &blocked, &saved) == 0)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous) }

        let status = try HostCommand.run(["cat", "/proc/self/status"])
        let fields = Dictionary(uniqueKeysWithValues: status.split(separator: "\n").compactMap { line -> (String, String)? in
            let parts = line.split(separator: ":", maxSplits: 1)
            return parts.count == 2 ? (String(parts[0]), parts[1].trimmingCharacters(in: .whitespaces)) : nil
        })
        #expect(fields["SigBlk"] == "0000000000000000")
        #expect(fields["SigIgn"] == "0000000000000000")

        // /proc/self/stat: pid (comm) state ppid pgrp session — a session leader's session is its pid.
        let stat = try HostCommand.run(["cat", "/proc/self/stat"])
        let afterName = stat.split(separator: ")", maxSplits: 1).last?.split(separator: " ") ?? []
        let pid = stat.split(separator: " ").first.map(String.init)
        #expect(afterName.count > 3 && pid != nil && String(afterName[3]) == pid)
    }

    @Test func anExecThatFailsIsTheCallsErrorWithErrnoFromTheChild() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("corral-spawn-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let plain = directory + "/plain", garbage = directory + "/garbage"
        #expect(FileManager.default.createFile(atPath: plain, contents: Data("not a program\n".utf8), attributes: [.posixPermissions: 0o644]))
        #expect(FileManager.default.createFile(atPath: garbage, contents: Data("\u{7f}ELF garbage".utf8), attributes: [.posixPermissions: 0o755]))
        let cases: [(String, Int32)] = [(directory + "/missing", ENOENT), (plain, EACCES), (directory, EACCES),
                                        (garbage, ENOEXEC)]
        for (path, expected) in cases {
            #expect(throws: SystemCallError("execve", [path], errno: expected)) {
                try ProcessControl.spawn([path])
            }
        }
        #expect(throws: SystemCallError("execve", ["corral-no-such-tool"], detail: "not found on PATH", errno: ENOENT)) {
            try ProcessControl.spawn(["corral-no-such-tool"])
        }
    }

    /// spawnDetached (corrald's monitors): the child takes none of the caller's descriptors —
    /// not even one without close-on-exec — and has /dev/null in and out and the log appended
    /// to as its error stream; a log that cannot be opened is named.
    @Test func aDetachedChildHasOnlyItsOwnThreeStreams() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("corral-spawn-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = directory + "/log"
        #expect(FileManager.default.createFile(atPath: log, contents: nil))
        // Inheritable on purpose: a plain spawn's child would keep it across its exec.
        let inheritable = open("/dev/null", O_RDONLY)
        #expect(inheritable > 2)
        defer { close(inheritable) }

        let pid = try ProcessControl.spawnDetached(["/bin/sleep", "30"], standardErrorPath: log)
        defer {
            kill(pid, SIGKILL)
            while waitpid(pid, nil, 0) < 0 && errno == EINTR {}
        }
        // Seen from here while it sleeps (the spawn returns once the child has exec'd).
        let streams = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").sorted()
        #expect(streams == ["0", "1", "2"])
        let targets = try ["0", "1", "2"].map { try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)") }
        #expect(targets == ["/dev/null", "/dev/null", log])
        let flags = try String(contentsOfFile: "/proc/\(pid)/fdinfo/2", encoding: .utf8)
        #expect(flags.contains("flags:\t0502001"), "O_WRONLY | O_APPEND | O_NOFOLLOW (and O_LARGEFILE), blocking: \(flags)")

        #expect(throws: SystemCallError("open", [directory + "/missing/log"], errno: ENOENT)) {
            try ProcessControl.spawnDetached(["/bin/true"], standardErrorPath: directory + "/missing/log")
        }
        // Hostile logs: a FIFO nobody reads (an open that waited would hold the caller, which
        // shares the child's memory until its exec), a symbolic link, a directory.
        try #require(mkfifo(directory + "/fifo", 0o600) == 0)
        #expect(throws: SystemCallError("open (not a regular file)", [directory + "/fifo"], errno: ENXIO)) {
            try ProcessControl.spawnDetached(["/bin/true"], standardErrorPath: directory + "/fifo")
        }
        try FileManager.default.createSymbolicLink(atPath: directory + "/link", withDestinationPath: log)
        #expect(throws: SystemCallError("open", [directory + "/link"], errno: ELOOP)) {
            try ProcessControl.spawnDetached(["/bin/true"], standardErrorPath: directory + "/link")
        }
        #expect(throws: SystemCallError("open", [directory], errno: EISDIR)) {
            try ProcessControl.spawnDetached(["/bin/true"], standardErrorPath: directory)
        }
    }

    /// Logs are regular files: FileIO.openLog creates one, and refuses without waiting a FIFO,
    /// a symbolic link (not followed) and a device.
    @Test func aLogIsARegularFileOnly() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("corral-log-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let created = try FileIO.openLog(directory + "/new.log")
        close(created)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/new.log")
        #expect((attributes[.posixPermissions] as? Int) == 0o640)
        try #require(mkfifo(directory + "/fifo.log", 0o600) == 0)
        try FileManager.default.createSymbolicLink(atPath: directory + "/link.log", withDestinationPath: directory + "/new.log")
        #expect(throws: SystemCallError("open", [directory + "/fifo.log"], detail: "log: not a regular file", errno: ENXIO)) {
            _ = try FileIO.openLog(directory + "/fifo.log")
        }
        #expect(throws: SystemCallError("open", [directory + "/link.log"], detail: "log", errno: ELOOP)) {
            _ = try FileIO.openLog(directory + "/link.log")
        }
        #expect(throws: SystemCallError("open", ["/dev/null"], detail: "log: not a regular file", errno: EINVAL)) {
            _ = try FileIO.openLog("/dev/null")
        }
    }

    /// Each caller's child runs on a stack of its own and leaves its caller's memory at exec:
    /// many at once from several threads must each get their own arguments and output.
    @Test func callersOnManyThreadsAtOnceEachGetTheirOwnChild() async throws {
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let said = try HostCommand.run(["/bin/sh", "-c", "echo \"$0\"", "child-\(index)"])
                    return said == "child-\(index)\n"
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 200 && results.allSatisfy { $0 })
    }
}
