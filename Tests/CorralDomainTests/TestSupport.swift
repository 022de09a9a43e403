import CorralDomain
import Foundation
import Testing

/// Where the fixtures live, found from this file so tests run from any directory.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let valid = directory.appendingPathComponent("valid")
    static let golden = directory.appendingPathComponent("golden")
    static let corpusGolden = directory.appendingPathComponent("corpus-golden")

    /// libvirt's own LXC test definitions, in the steering checkout beside the repository
    /// (`../shared/corpus/libvirt-lxc`) or where CORRAL_CORPUS_DIR points. Users' machines
    /// have neither; the project's own fixtures cover the same features.
    static var corpus: URL? {
        let candidate = ProcessInfo.processInfo.environment["CORRAL_CORPUS_DIR"].map { URL(fileURLWithPath: $0) }
            ?? directory.appendingPathComponent("../../../../shared/corpus/libvirt-lxc").standardizedFileURL
        return FileManager.default.fileExists(atPath: candidate.path) ? candidate : nil
    }

    /// Set CORRAL_UPDATE_GOLDEN=1 to rewrite golden files from the formatter's output; review
    /// the diff before committing it.
    /// Rewrites the goldens instead of checking them; never under CI, where it would make
    /// every golden test pass.
    static let updateGolden = ProcessInfo.processInfo.environment["CORRAL_UPDATE_GOLDEN"] == "1"
        && ProcessInfo.processInfo.environment["CI"] == nil

    static func xmlFiles(in directory: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".xml") }.sorted().map { directory.appendingPathComponent($0) }
    }

    static var validNames: [String] { xmlFiles(in: valid).map(\.lastPathComponent) }
    static var corpusNames: [String] { corpus.map { xmlFiles(in: $0).map(\.lastPathComponent) } ?? [] }
}

/// Parses `text` expecting failure and returns the printed errors.
func errors(parsing text: String, file: String = "test.xml") -> [String] {
    do {
        let domain = try DomainParser.parse(text, file: file)
        Issue.record("expected errors, parsed \(domain.name)")
        return []
    } catch {
        return error.errors.map(\.description)
    }
}

/// The libvirt schema check: `xmllint --noout --relaxng domain.rng`.
enum LibvirtSchema {
    static let path = "/usr/share/libvirt/schemas/domain.rng"
    static let xmllint = ["/usr/bin/xmllint", "/bin/xmllint"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static var isAvailable: Bool { xmllint != nil && FileManager.default.fileExists(atPath: path) }

    /// nil when `xml` validates, else xmllint's complaint.
    static func problems(in xml: String) throws -> String? {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("corral-schema-\(UUID().uuidString).xml")
        try xml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: xmllint ?? "/usr/bin/xmllint")
        process.arguments = ["--noout", "--relaxng", path, file.path]
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? nil : String(decoding: output, as: UTF8.self)
    }
}
