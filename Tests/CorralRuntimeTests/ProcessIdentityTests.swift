@testable import CorralRuntime
import Glibc
import Testing

/// The start time that tells a live process from a reused pid, read from /proc/PID/stat.
@Suite struct ProcessIdentityTests {
    private func line(command: String, starttime: String = "4242") -> [UInt8] {
        // Fields 3–21, then 22 (starttime) and the rest.
        let middle = (3...21).map { $0 == 3 ? "S" : String($0) }.joined(separator: " ")
        return Array("77 (\(command)) \(middle) \(starttime) 1000 2000\n".utf8)
    }

    @Test func readsFieldTwentyTwo() {
        #expect(ProcessIdentity.startTime(statLine: line(command: "sleep")) == 4242)
    }

    /// A process names itself (prctl PR_SET_NAME): spaces and parentheses in its name must
    /// not shift the fields.
    @Test func aHostileCommandNameDoesNotShiftTheFields() {
        #expect(ProcessIdentity.startTime(statLine: line(command: ") 1 2 3 (x")) == 4242)
        #expect(ProcessIdentity.startTime(statLine: line(command: "a b)c")) == 4242)
    }

    @Test func refusesWhatIsNotAStatLine() {
        #expect(ProcessIdentity.startTime(statLine: []) == nil)
        #expect(ProcessIdentity.startTime(statLine: Array("77 (sleep) S 1 2".utf8)) == nil)
        #expect(ProcessIdentity.startTime(statLine: line(command: "x", starttime: "12a")) == nil)
        #expect(ProcessIdentity.startTime(statLine: line(command: "x", starttime: "99999999999999999999999")) == nil)
    }

    @Test func ownStartTimeMatchesTheKernelsRecord() throws {
        let own = try #require(ProcessIdentity.startTime(of: getpid()))
        #expect(own > 0 && own == ProcessIdentity.ownStartTime)
        #expect(ProcessIdentity.startTime(of: 0x3FFF_FFFF) == nil)
    }
}
