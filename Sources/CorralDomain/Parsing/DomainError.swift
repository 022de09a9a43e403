/// One problem in one definition file, located by line, printed as
/// `FILE:LINE: error: MESSAGE` where MESSAGE starts with the element at fault.
public struct DomainError: Error, Sendable, Hashable, CustomStringConvertible {
    public let file: String
    /// nil when the problem is the file as a whole (unreadable, too large, empty).
    public let line: Int?
    public let message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): error: \(message)" }
        return "\(file): error: \(message)"
    }
}

/// Every error found in one file: a definition is checked completely, not up to its first fault.
public struct DomainDiagnostics: Error, Sendable, Equatable, CustomStringConvertible {
    public let errors: [DomainError]

    public init(_ errors: [DomainError]) { self.errors = errors }

    public var description: String {
        errors.map(\.description).joined(separator: "\n")
    }
}
