import CorralSupervisor
import CorralTestSupport
import Foundation
import Testing

/// `corralctl stop|start|restart` through corrald: the definition untouched, the stop kept
/// across a reload and a new corrald, a new init on restart.
@Suite(.enabled(if: ContainerSandbox.canRunContainers, ContainerSandbox.skipReason))
struct OperatorRequestTests {
    static func corralctl(_ daemon: DaemonHarness, _ arguments: [String]) throws -> ContainerSandbox.Run {
        try ContainerSandbox.run(ContainerSandbox.corralctl, arguments + ["--state-dir", daemon.stateDirectory], in: daemon.sandbox.directory)
    }

    @Test func stopKeepsAContainerStoppedUntilStartAndRestartGivesANewInit() throws {
        try withDaemon { daemon in
            try daemon.write("web.xml", daemon.service("web"))
            try daemon.start()
            daemon.wait("web running") { daemon.running("web") != nil }

            let stop = try Self.corralctl(daemon, ["stop", "web", "--wait"])
            #expect(stop.status == 0, "\(stop.errors)")
            #expect(daemon.record("web")?.phase == .stopped)
            #expect(daemon.containerLog("web").contains("web-stopping"), "its stop signal reached init")
            let status = try Self.corralctl(daemon, ["status", "web"])
            #expect(status.output.contains("stopped by request"), "\(status.output)")

            // A reload and a new corrald (the old one killed, as an upgrade would) keep it stopped.
            daemon.signal(SIGHUP)
            daemon.wait("the reload") { daemon.log.contains("SIGHUP: re-read") }
            #expect(daemon.record("web")?.phase == .stopped)
            daemon.signal(SIGKILL)
            _ = daemon.waitForExit()
            // Even with its record gone, the held container is listed as stopped by request.
            #expect(unlink(StateDirectory(daemon.stateDirectory).record(of: "web")) == 0)
            try daemon.start()
            daemon.wait("the new corrald ready") { daemon.log.components(separatedBy: "corrald ready").count > 2 }
            #expect(daemon.running("web") == nil, "still stopped by request")
            #expect(daemon.log.contains("web: stopped by request; not started"))
            let listed = try Self.corralctl(daemon, ["status", "web"])
            #expect(listed.output.contains("stopped by request"), "\(listed.output)\(listed.errors)")

            let start = try Self.corralctl(daemon, ["start", "web", "--wait"])
            #expect(start.status == 0, "\(start.errors)")
            let first = try #require(daemon.running("web"))

            let restart = try Self.corralctl(daemon, ["restart", "web", "--wait"])
            #expect(restart.status == 0, "\(restart.errors)")
            let second = try #require(daemon.running("web"))
            #expect(second != first, "a new init")
        }
    }

    /// A container that ignores its stop signal is killed after its stop timeout: stopped on
    /// request, not crashed, in its log and its record.
    @Test func aContainerKilledAfterItsStopTimeoutWasStoppedOnRequest() throws {
        try withDaemon { daemon in
            let quick = "<metadata><c:container xmlns:c='https://corral.dev/xmlns/container/1'><c:stop timeout='1'/></c:container></metadata>"
            try daemon.write("stubborn.xml", daemon.service("stubborn", quick,
                script: "trap '' TERM; echo stubborn-up; while true; do sleep 1; done"))
            try daemon.start()
            daemon.wait("stubborn running") { daemon.running("stubborn") != nil }
            let stop = try Self.corralctl(daemon, ["stop", "stubborn", "--wait", "--timeout", "20"])
            #expect(stop.status == 0, "\(stop.errors)")
            let log = daemon.containerLog("stubborn")
            #expect(log.contains("stopped on request"), "\(log)")
            #expect(!log.contains("crash") && !daemon.log.contains("stubborn: crash"), "\(log)\n\(daemon.log)")
            #expect(daemon.record("stubborn")?.phase == .stopped)
        }
    }

    @Test func requestsNameTheContainerWhenTheyCannotBeServed() throws {
        try withDaemon { daemon in
            let offline = try Self.corralctl(daemon, ["stop", "web"])
            #expect(offline.status != 0)
            #expect(offline.errors.contains("web: corrald is not running"), "\(offline.errors)")
            try daemon.start()
            daemon.wait("corrald ready") { daemon.log.contains("corrald ready") }
            let ghost = try Self.corralctl(daemon, ["stop", "ghost"])
            #expect(ghost.status == 1)
            #expect(ghost.errors.hasPrefix("ghost: no definition in \(daemon.sandbox.directory)/containers has the name 'ghost'"),
                    "corrald's answer: \(ghost.errors)")
            #expect(daemon.log.contains("ghost: stop requested, but no definition has this name"))
        }
    }
}
