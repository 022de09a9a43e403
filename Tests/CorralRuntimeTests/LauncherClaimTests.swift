@testable import CorralRuntime
import Testing

/// The launcher record `corralctl exec` and a later start read back.
@Suite struct LauncherClaimTests {
    @Test func aRecordReadsBackAsWritten() throws {
        var record = LauncherClaim.Record(launcherPID: 41, launcherStartTime: 1000)
        #expect(record.encoded == "launcher=41 1000\n")
        #expect(LauncherClaim.Record(decoding: record.encoded) == record)
        record.initPID = 42
        record.initStartTime = 1001
        record.definition = "/run/corral/web.launcher.xml"
        #expect(record.encoded == "launcher=41 1000\ninit=42 1001\ndefinition=/run/corral/web.launcher.xml\n")
        #expect(LauncherClaim.Record(decoding: record.encoded) == record)
    }

    @Test func aDamagedRecordIsNoRecord() {
        #expect(LauncherClaim.Record(decoding: "") == nil)
        #expect(LauncherClaim.Record(decoding: "launcher=x 1\n") == nil)
        #expect(LauncherClaim.Record(decoding: "init=42 1001\n") == nil)
    }
}

/// Containers named `web` and `web.launcher` in one state directory: the launcher's files of the
/// one are never the definition corrald keeps for the other (`STATE_DIR/NAME.xml`).
@Suite struct LauncherClaimFileTests {
    @Test func aLauncherFileIsNoOtherContainersDefinition() {
        let paths = RuntimePaths(stateDirectory: "/run/corral")
        let claim = LauncherClaim(container: "web", paths: paths)
        let otherDefinition = "/run/corral/web.launcher.xml"
        #expect(claim.definitionCopy != otherDefinition)
        #expect(claim.path != otherDefinition)
        #expect(claim.definitionCopy == "/run/corral/web.launcher-definition")
    }
}
