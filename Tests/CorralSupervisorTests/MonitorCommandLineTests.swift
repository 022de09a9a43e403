import CorralDomain
@testable import CorralRuntime
@testable import CorralSupervisor
import Testing

@Suite struct MonitorCommandLineTests {
    @Test func parsesFileAndDirectories() throws {
        let line = try #require(MonitorCommandLine(["--template-dir", "/t", "web.xml", "--state-dir", "/s"]))
        #expect(line.definition == "web.xml")
        #expect(line.paths == RuntimePaths(templateDirectory: "/t", stateDirectory: "/s"))
    }

    @Test(arguments: [[], ["a.xml", "b.xml"], ["--template-dir"], ["--bogus", "a.xml"]])
    func refusesWhatDoesNotFit(arguments: [String]) {
        #expect(MonitorCommandLine(arguments) == nil)
    }
}
