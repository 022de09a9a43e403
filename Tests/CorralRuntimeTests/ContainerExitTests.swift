@testable import CorralRuntime
import Glibc
import Testing

@Suite struct ContainerExitTests {
    @Test(arguments: [(ContainerExit.Status.exited(0), ContainerExit.Reason.poweredOff, Int32(0)),
                      (.exited(3), .crashed, 3), (.killed(signal: 1), .rebooted, 129),
                      (.killed(signal: 2), .poweredOff, 130), (.killed(signal: 9), .crashed, 137)])
    func mapsStatusToReasonAndExitCode(status: ContainerExit.Status, reason: ContainerExit.Reason, code: Int32) {
        let exit = ContainerExit(status: status)
        #expect(exit.reason == reason)
        #expect(exit.exitCode == code)
    }
}

@Suite struct MemorySizeTests {
    @Test func sizesAreShownInTheBestUnit() {
        #expect(MemorySize.text(512) == "512 B")
        #expect(MemorySize.text(300 * 1024) == "300 KiB")
        #expect(MemorySize.text(32 << 20) == "32 MiB")
        #expect(MemorySize.text((3 << 29)) == "1.5 GiB")
    }
}
