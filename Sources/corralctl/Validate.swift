import ArgumentParser
import CorralDomain

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check domain definitions and report every error.",
        discussion: """
            Every file is checked completely; each problem is printed on standard error as
            FILE:LINE: error: MESSAGE. What is valid but likely a mistake (an <idmap> onto the
            host's root) is printed as FILE:LINE: warning: MESSAGE. Exits 0 when all files are
            valid, 1 otherwise.
            """)

    @Argument(help: ArgumentHelp("Domain XML files to check.", valueName: "file"))
    var files: [String]

    func run() throws {
        let status = Validate.check(files)
        if status != 0 { throw ExitCode(status) }
    }

    /// Checks every file, reports on stderr; 0 when all are valid, else 1. Also called by
    /// main's fast path (no argument parser).
    static func check(_ files: [String]) -> Int32 {
        var allValid = true
        for file in files {
            do {
                let domain = try DomainParser.parse(contentsOf: file)
                for warning in domain.warnings(file: file) { StandardError.write(warning + "\n") }
            } catch {
                StandardError.write(error.description + "\n")
                allValid = false
            }
        }
        return allValid ? 0 : 1
    }
}
