import CorralTestSupport
import Foundation
import Testing

/// The floor benchmark (Benchmarks/floor/floor.c, fed by corral-floor-plan) is only a floor if
/// it does Corral's kernel work: a container it starts must see the very tree, credentials
/// and filter that `corralctl run` gives the same definition.
@Suite struct FloorBenchmarkTests {
    /// What a container reports about itself: its mounts (without the kernel's mount and peer
    /// ids, which differ between any two runs), capabilities, filter, no_new_privs, id map and
    /// hostname.
    static let report = "cat /proc/self/mountinfo; grep -E '^(Cap|NoNewPrivs|Seccomp)' /proc/self/status; "
        + "cat /proc/self/uid_map /proc/self/gid_map; hostname"

    static func comparable(_ output: String) -> [String] {
        output.split(separator: "\n").map { line in
            let fields = line.split(separator: " ")
            // mountinfo: id, parent id, major:minor and root first; optional fields (shared:N, …)
            // name peer groups, which are numbered per mount.
            guard fields.count > 6, fields.contains("-") else { return String(line) }
            return fields.dropFirst(4).filter { !$0.contains(":") || $0.hasPrefix("/") }.joined(separator: " ")
        }
    }

    @Test(.enabled(if: ContainerSandbox.canRunContainers, ContainerSandbox.skipReason))
    func theFloorBuildsWhatCorralBuilds() throws {
        try ContainerSandbox.with { sandbox in
            let definition = sandbox.domain("floor", script: FloorBenchmarkTests.report)
            let file = "\(sandbox.directory)/floor.xml"
            try definition.write(toFile: file, atomically: true, encoding: .utf8)
            let corral = try ContainerSandbox.run(ContainerSandbox.corralctl, ["run", file, "--state-dir", sandbox.state, "--no-cgroup"],
                                                  in: sandbox.directory)
            try #require(corral.status == 0, "\(corral.errors)")

            let plan = try ContainerSandbox.run(ContainerSandbox.buildDirectory + "/corral-floor-plan", [file], in: sandbox.directory)
            try #require(plan.status == 0, "\(plan.errors)")
            try plan.output.write(toFile: "\(sandbox.directory)/floor.plan", atomically: true, encoding: .utf8)
            let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../../Benchmarks/floor/floor.c").standardized.path
            let compiler = ["/usr/bin/cc", "/usr/bin/gcc"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "cc"
            let floor = "\(sandbox.directory)/floor"
            let build = try ContainerSandbox.run(compiler, ["-O1", "-static", "-o", floor, source, "-lcap"], in: sandbox.directory)
            try #require(build.status == 0, "cannot build the floor: \(build.errors)")
            let filters = try FileManager.default.contentsOfDirectory(atPath: sandbox.state).filter { $0.hasPrefix("seccomp-") }
            let filter = try #require(filters.first, "corralctl run cached no seccomp filter")
            let staging = "\(sandbox.directory)/floor-staging"
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)

            let floored = try ContainerSandbox.run(floor, ["\(sandbox.directory)/floor.plan", staging, "\(sandbox.state)/\(filter)",
                                                           "/bin/sh", "-c", FloorBenchmarkTests.report], in: sandbox.directory)
            try #require(floored.status == 0, "\(floored.errors)")
            #expect(FloorBenchmarkTests.comparable(floored.output) == FloorBenchmarkTests.comparable(corral.output))
            #expect(corral.output.contains("/dev/mqueue") && corral.output.contains("Seccomp:\t2"))
        }
    }
}
