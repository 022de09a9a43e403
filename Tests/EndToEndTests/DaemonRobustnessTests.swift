import CorralSupervisor
import CorralTestSupport
import Foundation
import Testing

/// corrald when starts fail and stops stall: back-off with the reason kept, monitors that
/// cannot be spawned retried, a monitor that will not stop killed, nothing left behind.
@Suite(.enabled(if: ContainerSandbox.canRunContainers, ContainerSandbox.skipReason))
struct DaemonRobustnessTests {
    static let restartOnCrash = "<on_crash>restart</on_crash>"

    @Test func aContainerThatCannotStartBacksOffAndKeepsItsReason() throws {
        try withDaemon { daemon in
            var definition = daemon.service("broken", Self.restartOnCrash)
            definition = definition.replacingOccurrences(of: "<init>/bin/sh</init>", with: "<init>/bin/nonexistent</init>")
            try daemon.write("broken.xml", definition)
            try daemon.start()
            // 1 s, then 2 s, then 4 s: the third restart in a row is a crash loop.
            daemon.wait("three restarts", seconds: 30) { (daemon.record("broken")?.restarts ?? 0) >= 3 }
            let record = try #require(daemon.record("broken"))
            #expect(record.phase == .backoff || record.phase == .starting)
            #expect(record.consecutiveRestarts >= 3)
            let message = record.message ?? ""
            #expect(message.hasPrefix("crash loop: 3 restarts in a row, next in 4 s; cannot start: execve '/bin/nonexistent' (<init>)")
                        || message.hasPrefix("cannot start: execve"), "\(message)")
            #expect(daemon.log.contains("restarting in 2 s") || daemon.containerLog("broken").contains("restarting in 2 s"),
                    "the delay grew: \(daemon.containerLog("broken").suffix(600))")
            let status = try ContainerSandbox.run(ContainerSandbox.corralctl, ["status", "broken", "--state-dir", daemon.stateDirectory],
                                                  in: daemon.sandbox.directory)
            #expect(status.output.contains("cannot start: execve '/bin/nonexistent'"), "status shows the reason: \(status.output)")
        }
    }

    /// Two daemons would supervise the same containers twice: the second is refused, and the
    /// first keeps its pid file (removing it only at its own exit).
    @Test func aSecondCorraldOnTheSameStateDirectoryIsRefused() throws {
        try withDaemon { daemon in
            try daemon.start()
            daemon.wait("corrald ready") { daemon.log.contains("corrald ready") }
            let pidFile = StateDirectory(daemon.stateDirectory).daemonPIDFile
            let second = try ContainerSandbox.run(ContainerSandbox.buildDirectory + "/corrald", daemon.arguments,
                                                  in: daemon.sandbox.directory)
            #expect(second.status == 1)
            #expect(second.errors.contains("another corrald (pid \(daemon.pid)) uses this state directory"), "\(second.errors)")
            #expect(StateDirectory.contents(of: pidFile) == "\(daemon.pid)\n", "the first corrald's pid file is intact")
            daemon.signal(SIGTERM)
            #expect(daemon.waitForExit() == 0)
            #expect(access(pidFile, F_OK) != 0, "removed by its owner at exit")
        }
    }

    @Test func aStoppedContainerLeavesNoConsoleSocket() throws {
        try withDaemon { daemon in
            try daemon.write("brief.xml", daemon.service("brief", script: "echo brief-done"))
            try daemon.start()
            daemon.wait("brief stopped") { daemon.record("brief")?.phase == .stopped }
            let socket = StateDirectory(daemon.stateDirectory).console(of: "brief")
            daemon.wait("its console socket gone") { !FileManager.default.fileExists(atPath: socket) }
        }
    }

    @Test func aMonitorThatCannotBeSpawnedIsRetriedAndTheLogIsNamed() throws {
        try withDaemon { daemon in
            // The container's log cannot be opened: a directory is in its place.
            let log = "\(daemon.logDirectory)/nolog.log"
            try FileManager.default.createDirectory(atPath: log, withIntermediateDirectories: true)
            try daemon.write("nolog.xml", daemon.service("nolog"))
            try daemon.start()
            daemon.wait("the failure, twice") { daemon.log.contains("trying again in 2 s") }
            #expect(daemon.log.contains("nolog: cannot start its monitor: open '\(log)' (log): Is a directory; trying again in 1 s"),
                    "\(daemon.log.suffix(800))")
            // The record corrald writes in the monitor's place says so.
            #expect(daemon.record("nolog")?.phase == .backoff)
            #expect(daemon.record("nolog")?.message?.contains("cannot start its monitor: open '\(log)' (log): Is a directory") == true,
                    "\(String(describing: daemon.record("nolog")?.message))")
            try FileManager.default.removeItem(atPath: log)
            daemon.wait("the container running once its log can be opened", seconds: 30) { daemon.running("nolog") != nil }
        }
    }

    /// A monitor killed again and again, each time just after its container runs: its init dies
    /// with it, and the delay grows as for a crashing container (the count is reset only by a
    /// long run).
    @Test func aMonitorThatKeepsDyingBacksOff() throws {
        try withDaemon { daemon in
            try daemon.write("fragile.xml", daemon.service("fragile"))
            try daemon.start()
            for round in 1...2 {
                daemon.wait("fragile running (round \(round))") { daemon.running("fragile") != nil && daemon.record("fragile")?.monitorPID ?? 0 > 0 }
                let monitor = try #require(daemon.record("fragile")?.monitorPID)
                let initPID = try #require(daemon.running("fragile"))
                #expect(kill(monitor, SIGKILL) == 0)
                daemon.wait("its death logged (round \(round))") { daemon.log.contains("its monitor (pid \(monitor)) died") }
                // Its init died with it (the parent-death signal), before any new start.
                daemon.wait("init \(initPID) gone with its monitor (round \(round))") { !DaemonHarness.processExists(initPID) }
            }
            #expect(daemon.log.contains("starting it again in 1 s") && daemon.log.contains("starting it again in 2 s"), "\(daemon.log.suffix(800))")
            daemon.wait("fragile back", seconds: 30) { daemon.running("fragile") != nil }
        }
    }

    @Test func aMonitorThatDoesNotStopIsKilledAndItsContainerReclaimed() throws {
        try withDaemon { daemon in
            let quick = "<metadata><c:container xmlns:c='https://corral.dev/xmlns/container/1'><c:stop timeout='1'/></c:container></metadata>"
            try daemon.write("stuck.xml", daemon.service("stuck", quick))
            try daemon.start()
            daemon.wait("stuck running") { daemon.running("stuck") != nil }
            let record = try #require(daemon.record("stuck"))
            // A monitor that no longer answers: stopped, as a debugger or a hung disk would.
            #expect(kill(record.monitorPID, SIGSTOP) == 0)
            daemon.signal(SIGTERM)
            let status = daemon.waitForExit(seconds: 60)
            #expect(status == 0, "corrald ended after killing the monitor")
            #expect(daemon.log.contains("stuck: its monitor (pid \(record.monitorPID)) did not stop within the stop timeout; SIGKILL"),
                    "\(daemon.log.suffix(600))")
            #expect(!DaemonHarness.processExists(record.monitorPID))
            if let initPID = record.initPID {
                daemon.wait("init gone with its monitor") { !DaemonHarness.processExists(initPID) }
            }
            // And its cgroups are reclaimed, in every hierarchy.
            let hierarchies = ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? []).map { "/sys/fs/cgroup/\($0)" }
            let left = { (["/sys/fs/cgroup"] + hierarchies).map { "\($0)/\(daemon.sandbox.cgroupParent)/stuck" }
                .filter { FileManager.default.fileExists(atPath: $0) } }
            daemon.wait("its cgroups reclaimed") { left().isEmpty }
            #expect(left().isEmpty, "cgroups left: \(left())")
        }
    }

    /// A thousand containers starting at once write more inotify events than the kernel queues
    /// (fs.inotify.max_queued_events); the overflow loses some. Here the queue is made tiny for
    /// this corrald's instance (the limit is read when an instance is made, and set back at
    /// once): every definition still starts and every record is still seen.
    @Test func eventsLostToAFullQueueAreReadAgain() throws {
        let limit = "/proc/sys/fs/inotify/max_queued_events"
        let saved = try String(contentsOfFile: limit, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        try withDaemon { daemon in
            do {
                defer { try? saved.write(toFile: limit, atomically: false, encoding: .utf8) }
                try "4".write(toFile: limit, atomically: false, encoding: .utf8)
                try daemon.start()
                daemon.wait("corrald ready") { daemon.log.contains("corrald ready") }
            }
            let names = (1...12).map { "lost\($0)" }
            for name in names { try daemon.write("\(name).xml", daemon.service(name)) }
            daemon.wait("all running", seconds: 60) { names.allSatisfy { daemon.running($0) != nil } }
            daemon.wait("each running line", seconds: 30) { names.allSatisfy { daemon.log.contains("\($0): running, init pid") } }
            #expect(daemon.log.contains("were lost (inotify queue overflow)"), "\(daemon.log.suffix(800))")
            daemon.signal(SIGTERM)
            #expect(daemon.waitForExit() == 0)
        }
    }

    /// A FIFO (or a symbolic link) where a container's log goes is refused with its name and
    /// retried; corrald neither waits on it nor writes through it, and starts the others.
    @Test func aLogThatIsNotARegularFileIsRefusedWithoutAHang() throws {
        try withDaemon { daemon in
            try #require(mkfifo("\(daemon.logDirectory)/fifo.log", 0o600) == 0)
            try FileManager.default.createSymbolicLink(atPath: "\(daemon.logDirectory)/linked.log",
                                                       withDestinationPath: "\(daemon.sandbox.directory)/elsewhere.log")
            for name in ["fifo", "linked", "fine"] { try daemon.write("\(name).xml", daemon.service(name)) }
            try daemon.start()
            daemon.wait("fine running") { daemon.running("fine") != nil }
            daemon.wait("the FIFO named") { daemon.log.contains("open '\(daemon.logDirectory)/fifo.log' (log: not a regular file)") }
            daemon.wait("the link named") { daemon.log.contains("open '\(daemon.logDirectory)/linked.log' (log)") }
            #expect(!FileManager.default.fileExists(atPath: "\(daemon.sandbox.directory)/elsewhere.log"), "nothing written through the link")
            daemon.signal(SIGTERM)
            #expect(daemon.waitForExit() == 0)
        }
    }
}
