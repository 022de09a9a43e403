import ArgumentParser
import CorralDomain

struct Format: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a domain definition in libvirt's canonical layout.",
        discussion: """
            The output keeps every element, including those Corral does not use, in libvirt's order
            with two-space indentation and single-quoted attributes; it validates against libvirt's
            domain schema. An invalid file prints its errors on standard error and exits 1.
            """)

    @Argument(help: ArgumentHelp("The domain XML file to format.", valueName: "file"))
    var file: String

    func run() throws {
        let status = Format.format(file)
        if status != 0 { throw ExitCode(status) }
    }

    /// Prints the canonical form, or the errors on stderr and 1. Also called by main's fast
    /// path (no argument parser).
    static func format(_ file: String) -> Int32 {
        do {
            let domain = try DomainParser.parse(contentsOf: file)
            print(domain.canonicalXML, terminator: "")
            return 0
        } catch {
            StandardError.write(error.description + "\n")
            return 1
        }
    }
}
