import CorralDomain
import CorralRuntime
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

    init(directory: String) {
        for name in DefinitionScan.names(in: directory) {
            let file = "\(directory)/\(name)"
            do {
                let domain = try DomainParser.parse(contentsOf: file)
                try ContainerLauncher.refuseUnsupported(domain, file: file)
                if let other = valid[domain.name] {
                    invalid.append((file, ["\(file): error: <name>: '\(domain.name)' is already the name of the container in \(other.file)"]))
                    continue
                }
                valid[domain.name] = Valid(file: file, domain: domain)
            } catch let diagnostics as DomainDiagnostics {
                invalid.append((file, diagnostics.errors.map(\.description)))
            } catch {
                invalid.append((file, ["\(error)"]))
            }
        }
    }

    private static func names(in directory: String) -> [String] {
        FileIO.entries(of: directory).map(\.name).filter(isDefinitionName).sorted()
    }
}
