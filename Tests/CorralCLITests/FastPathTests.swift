import Foundation
import Testing

/// main's fast path (validate, format, list, status without swift-argument-parser) answers
/// exactly as the parser's path does: the same output, errors and status. A `--` or an
/// `--option=value` sends the same command through the parser.
@Suite struct FastPathTests {
    static func same(_ fast: [String], _ parsed: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let quick = try CorralctlTests.corralctl(fast), slow = try CorralctlTests.corralctl(parsed)
        #expect(quick.status == slow.status, "status \(quick.status) vs \(slow.status)", sourceLocation: sourceLocation)
        #expect(quick.output == slow.output, "\(quick.output)\n-- vs --\n\(slow.output)", sourceLocation: sourceLocation)
        #expect(quick.errors == slow.errors, "\(quick.errors)\n-- vs --\n\(slow.errors)", sourceLocation: sourceLocation)
    }

    @Test func validateAndFormatAnswerAsTheParserDoes() throws {
        let valid = CorralctlTests.fixtures.appendingPathComponent("valid/every-type.xml").path
        let idmap = CorralctlTests.fixtures.appendingPathComponent("valid/idmap.xml").path
        try CorralctlTests.withTemporaryDirectory { directory in
            let invalid = directory.appendingPathComponent("bad.xml").path
            try "<domain type='lxc'><name>x</name><teleporter/></domain>".write(toFile: invalid, atomically: true, encoding: .utf8)
            try Self.same(["validate", valid, idmap, invalid], ["validate", "--", valid, idmap, invalid])
            try Self.same(["validate", "/nonexistent.xml"], ["validate", "--", "/nonexistent.xml"])
            try Self.same(["format", valid], ["format", "--", valid])
            try Self.same(["format", invalid], ["format", "--", invalid])
        }
    }

    @Test func listAndStatusAnswerAsTheParserDoes() throws {
        try CorralctlTests.withTemporaryDirectory { directory in
            let state = directory.path
            try """
                name=web
                phase=stopped
                monitor_pid=1
                monitor_start=0
                since=0
                restarts=2
                consecutive_restarts=0
                definition=/etc/corral/containers/web.xml
                last_exit=init exited with status 0 (powered off)

                """.write(toFile: "\(state)/web.state", atomically: true, encoding: .utf8)
            for format in ["text", "json"] {
                try Self.same(["list", "--state-dir", state, "--format", format], ["list", "--state-dir=\(state)", "--format=\(format)"])
                try Self.same(["status", "web", "--format", format, "--state-dir", state], ["status", "web", "--format=\(format)", "--state-dir=\(state)"])
            }
            // No record: the fast path leaves it to the parser's error.
            let missing = try CorralctlTests.corralctl(["status", "nope", "--state-dir", state])
            #expect(missing.status != 0 && missing.errors.contains("no container 'nope'"), "\(missing.errors)")
        }
    }
}
