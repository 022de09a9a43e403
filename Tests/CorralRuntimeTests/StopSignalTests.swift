@testable import CorralRuntime
import CorralDomain
import CorralTestSupport
import Foundation
import Glibc
import Testing

/// The graceful stop signal: SIGRTMIN+3 for a systemd init, decided from what init runs when the
/// stop comes (`/proc/PID/exe`), SIGTERM otherwise, `<corral:stop signal>` over both.
@Suite struct StopSignalTests {
    private func domain(init path: String, extra: String = "") throws -> Domain {
        try DomainParser.parse("<domain type='lxc'><name>s</name><os><type>exe</type><init>\(path)</init></os>\(extra)</domain>",
                               file: "s.xml")
    }

    /// Runs a copy of sleep named `name` while `body` looks at it.
    private func withProgram(named name: String, _ body: (pid_t) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("corral-stop-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: "\(directory)/\(name)")
        try ContainerSandbox.withBackgroundProcess("\(directory)/\(name)") { try body($0.processIdentifier) }
    }

    @Test func aRunningSystemdIsStoppedWithSIGRTMINPlus3() throws {
        // Whatever <init> says: what counts is the program init runs.
        let definition = try domain(init: "/sbin/init")
        try withProgram(named: "systemd") { pid in
            #expect(StopSignal.resolve(definition, initPID: pid) == StopSignal.systemdPowerOff)
        }
        try withProgram(named: "not-systemd") { pid in
            #expect(StopSignal.resolve(definition, initPID: pid) == SIGTERM)
        }
    }

    @Test func theConfiguredSignalWins() throws {
        let definition = try domain(init: "/lib/systemd/systemd", extra: """
            <metadata><corral:container xmlns:corral='https://corral.dev/xmlns/container/1'>\
            <corral:stop signal='SIGUSR1'/></corral:container></metadata>
            """)
        try withProgram(named: "systemd") { pid in
            #expect(StopSignal.resolve(definition, initPID: pid) == SIGUSR1)
        }
    }

    /// Init gone (its link unreadable): the name <init> gives decides.
    @Test func withoutInitTheDefinitionsNameDecides() throws {
        let gone: pid_t = 0x3FFF_FFFF
        #expect(StopSignal.resolve(try domain(init: "/lib/systemd/systemd"), initPID: gone) == StopSignal.systemdPowerOff)
        #expect(StopSignal.resolve(try domain(init: "/bin/sh"), initPID: gone) == SIGTERM)
    }
}
