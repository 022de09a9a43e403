import ArgumentParser
import CorralDomain

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check domain definitions and report every error.",
        discussion: """
            Every file is checked completely; each problem is printed on standard error as
            FILE:LINE: error: MESSAGE. Exits 0 when all files are valid, 1 otherwise.
            """)

    @Argument(help: ArgumentHelp("Domain XML files to check.", valueName: "file"))
    var files: [String]

    func run() throws {
        var allValid = true
        for file in files {
            do {
                _ = try DomainParser.parse(contentsOf: file)
            } catch {
                StandardError.write(error.description + "\n")
                allValid = false
            }
        }
        if !allValid { throw ExitCode(1) }
    }
}
