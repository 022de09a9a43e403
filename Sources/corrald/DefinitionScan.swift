import CorralDomain
import CorralRuntime
import CorralSupervisor
import Glibc

/// The definitions directory read once: every `*.xml` parsed, editor temporaries and other
/// names ignored (`.web.xml.swp`, `web.xml~`, `#web.xml#`, `notes.txt`).
struct DefinitionScan {
    struct Valid {
        let file: String
        let domain: Domain
    }

    /// Valid definitions by container name.
    private(set) var valid: [String: Valid] = [:]
    /// Files that could not be used, with every error as `FILE:LINE: error: …`.
    private(set) var invalid: [(file: String, errors: [String])] = []

    static func isDefinitionName(_ name: String) -> Bool {
        name.hasSuffix(".xml") && name.count > 4 && !name.hasPrefix(".") && !name.hasPrefix("#")
    }

    /// What reading one file gave, and the file's identity then (device, inode, size, change
    /// time): the next scan parses it again only when the identity differs.
    struct Parsed {
        let identity: [Int]
        let result: Result<Domain, ParseFailure>
    }

    struct ParseFailure: Error {
        let errors: [String]
    }

    /// `cache`: what earlier scans parsed, by file; kept in step with the directory.
    init(directory: String, cache: inout [String: Parsed]) {
        var seen: [String: Parsed] = [:]
        for name in DefinitionScan.names(in: directory) {
            let file = "\(directory)/\(name)"
            let identity = DefinitionScan.identity(of: file)
            let parsed: Parsed
            // Timestamps are as coarse as the kernel's tick: a file changed in the last two
            // seconds could change again unseen, so it is always read.
            if let identity, let cached = cache[file], cached.identity == identity, Int(WallClock.now()) - identity[3] > 2 {
                parsed = cached
            } else {
                parsed = Parsed(identity: identity ?? [], result: DefinitionScan.parse(file))
            }
            // A file that cannot be stat'ed is parsed every time (and reports why it fails).
            if identity != nil { seen[file] = parsed }
            switch parsed.result {
            case .success(let domain):
                if let other = valid[domain.name] {
                    invalid.append((file, ["\(file): error: <name>: '\(domain.name)' is already the name of the container in \(other.file)"]))
                    continue
                }
                valid[domain.name] = Valid(file: file, domain: domain)
            case .failure(let failure):
                invalid.append((file, failure.errors))
            }
        }
        cache = seen
    }

    private static func parse(_ file: String) -> Result<Domain, ParseFailure> {
        do {
            let domain = try DomainParser.parse(contentsOf: file)
            try ContainerLauncher.refuseUnsupported(domain, file: file)
            return .success(domain)
        } catch let diagnostics as DomainDiagnostics {
            return .failure(ParseFailure(errors: diagnostics.errors.map(\.description)))
        } catch {
            return .failure(ParseFailure(errors: ["\(error)"]))
        }
    }

    /// Device, inode, size and change time (ns): any write or replacement changes one of them.
    private static func identity(of file: String) -> [Int]? {
        var status = stat()
        guard stat(file, &status) == 0 else { return nil }
        return [Int(status.st_dev), Int(status.st_ino), Int(status.st_size), status.st_ctim.tv_sec, status.st_ctim.tv_nsec]
    }

    private static func names(in directory: String) -> [String] {
        FileIO.entries(of: directory).map(\.name).filter(isDefinitionName).sorted()
    }
}
