import CorralDomain
import CorralRuntime
@testable import CorralSupervisor
import Foundation
import Testing

@Suite struct ContainerRecordTests {
    @Test func roundTripsEveryField() throws {
        var record = ContainerRecord(name: "web", phase: .backoff, monitorPID: 42, monitorStartTime: 123456,
                                     definition: "/etc/corral/containers/web.xml", since: 1_700_000_000)
        record.initPID = 43
        record.startedAt = 1_699_999_000
        record.restarts = 5
        record.consecutiveRestarts = 4
        record.lastExit = "init exited with status 3 (crashed)"
        record.nextStart = 1_700_000_008
        record.message = "cannot start: line one\nline two"
        let decoded = try #require(ContainerRecord(decoding: record.encoded))
        var expected = record
        expected.message = "cannot start: line one / line two"
        #expect(decoded == expected)
    }

    @Test func incompleteFilesAreNotRecords() {
        #expect(ContainerRecord(decoding: "") == nil)
        #expect(ContainerRecord(decoding: "name=web\nphase=running\n") == nil)
        #expect(ContainerRecord(decoding: "name=web\nphase=flying\nmonitor_pid=1\nmonitor_start=1\nsince=1\ndefinition=/d\n") == nil)
    }
}

@Suite struct RestartPolicyTests {
    @Test func actionFollowsTheReason() {
        let lifecycle = Lifecycle(onPoweroff: .destroy, onReboot: .restart, onCrash: .preserve)
        #expect(RestartPolicy.action(for: .poweredOff, lifecycle: lifecycle) == .destroy)
        #expect(RestartPolicy.action(for: .rebooted, lifecycle: lifecycle) == .restart)
        #expect(RestartPolicy.action(for: .crashed, lifecycle: lifecycle) == .preserve)
    }

    @Test func delayDoublesFromOneSecondToSixty() {
        let delays = (1...9).map { RestartPolicy.delay(consecutive: $0, reason: .crashed) }
        #expect(delays == [1, 2, 4, 8, 16, 32, 60, 60, 60])
        #expect(RestartPolicy.delay(consecutive: 1, reason: .rebooted) == 0)
        #expect(RestartPolicy.delay(consecutive: 3, reason: .rebooted) == 4)
    }

    @Test func tenMinutesUpResetsTheCount() {
        #expect(RestartPolicy.consecutive(after: 5, previous: 6) == 7)
        #expect(RestartPolicy.consecutive(after: 600, previous: 6) == 1)
    }
}

@Suite struct StatusReportTests {
    @Test func alignsOneLinePerContainer() {
        var web = ContainerRecord(name: "web", phase: .running, monitorPID: 1, monitorStartTime: 1, definition: "/w.xml", since: 0)
        web.initPID = 4242
        web.startedAt = 1000 - 3725
        web.restarts = 2
        let database = ContainerRecord(name: "database", phase: .backoff, monitorPID: 2, monitorStartTime: 1, definition: "/d.xml", since: 0)
        #expect(StatusReport.lines(records: [database, web], now: 1000) == [
            "NAME      STATE    PID   UPTIME  RESTARTS",
            "database  backoff  -     -       0",
            "web       running  4242  1h02m   2",
        ])
    }

    @Test(arguments: [(Int64(12), "12s"), (247, "4m07s"), (7500, "2h05m"), (273600, "3d4h")])
    func durations(seconds: Int64, text: String) {
        #expect(StatusReport.duration(seconds) == text)
    }

    @Test func jsonEscapesAndNulls() {
        var record = ContainerRecord(name: "w\"eb", phase: .stopped, monitorPID: 7, monitorStartTime: 1, definition: "/a\\b.xml", since: 5)
        record.lastExit = "tab\there"
        #expect(StatusReport.json(record, now: 10) == #"{"name": "w\"eb", "state": "stopped", "pid": null, "uptime_seconds": null, "restarts": 0, "monitor_pid": 7, "definition": "/a\\b.xml", "since": 5, "last_exit": "tab\there", "next_start": null, "message": null, "cgroup": null}"#)
    }
}

@Suite struct ConsoleLogTests {
    @Test func rotatesOnceAtItsCapacity() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("corral-log-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = try ConsoleLog(path: "\(directory)/web.log", capacity: 100)
        for index in 0..<30 { log.event("line \(index)") }
        let current = try String(contentsOfFile: "\(directory)/web.log", encoding: .utf8)
        let rotated = try String(contentsOfFile: "\(directory)/web.log.1", encoding: .utf8)
        #expect(current.utf8.count <= 100)
        #expect(rotated.utf8.count <= 100)
        #expect(current.hasSuffix("[corral] line 29\n"))
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/web.log.2"))
    }
}

@Suite struct StateDirectoryTests {
    @Test func writesAtomicallyAndListsRecords() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("corral-state-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let state = StateDirectory(directory)
        try state.create()
        for name in ["b", "a"] {
            try state.write(ContainerRecord(name: name, phase: .running, monitorPID: 1, monitorStartTime: 1, definition: "/\(name).xml", since: 0))
        }
        try "garbage".write(toFile: "\(directory)/c.state", atomically: true, encoding: .utf8)
        #expect(state.records().map(\.name) == ["a", "b"])
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/a.state.tmp"))
        state.remove("a")
        #expect(state.read("a") == nil)
    }

    @Test func processIdentityIsTheStartTime() throws {
        let own = try #require(ProcessIdentity.startTime(of: getpid()))
        #expect(own > 0)
        #expect(ProcessIdentity.startTime(of: getpid()) == own)
        #expect(ProcessIdentity.startTime(of: 0x3FFF_FFFF) == nil)
    }
}
