/// Collects every error of one file while the parser walks it, so a user sees all problems
/// at once; each error names the element (and attribute) at fault and its line.
struct ParseContext {
    let file: String
    private(set) var errors: [DomainError] = []
    /// Errors past `maximumErrors`, counted but not kept: a hostile file of thousands of faults
    /// gets a readable report, in time linear in its size.
    private(set) var omittedErrors = 0

    /// At most this many errors per file, and this many unknown attributes per element.
    static let maximumErrors = 100
    static let maximumAttributeErrors = 10

    init(file: String) { self.file = file }

    /// Every error reported so far, kept or not: a parser compares it before and after an
    /// element to tell whether the element was valid.
    var errorCount: Int { errors.count + omittedErrors }

    mutating func report(_ element: SourceElement, _ message: String) {
        report(element, label: element.label, message)
    }

    /// `label`: the element's label, when the caller has it already (it is looked up from the
    /// element's attributes).
    mutating func report(_ element: SourceElement, label: String, _ message: String) {
        guard errors.count < ParseContext.maximumErrors else {
            omittedErrors += 1
            return
        }
        errors.append(DomainError(file: file, line: element.line, message: "\(label): \(message)"))
    }

    /// Every error, with a last line saying how many more there were.
    var allErrors: [DomainError] {
        guard omittedErrors > 0 else { return errors }
        return errors + [DomainError(file: file, line: nil, message: "\(omittedErrors) more error(s) not shown")]
    }

    /// Reports each attribute not in `allowed`: an attribute Corral would drop is an error,
    /// never silently ignored (past ten, one line says how many more).
    mutating func checkAttributes(of element: SourceElement, allowed: [String]) {
        let unknown = element.attributes.filter { $0.namespaceURI != nil || !allowed.contains($0.name) }
        guard !unknown.isEmpty else { return }
        let label = element.label
        for attribute in unknown.prefix(ParseContext.maximumAttributeErrors) {
            report(element, label: label, "unknown attribute '\(attribute.qualifiedName)'" + expected(allowed))
        }
        if unknown.count > ParseContext.maximumAttributeErrors {
            report(element, label: label, "\(unknown.count - ParseContext.maximumAttributeErrors) more unknown attribute(s)")
        }
    }

    mutating func reportUnexpectedChild(_ child: SourceElement, in parent: SourceElement, allowed: [String]) {
        let list = allowed.map { "<\($0)>" }.joined(separator: ", ")
        report(child, "not allowed in \(parent.label)" + (allowed.isEmpty ? "" : " (expected \(list))"))
    }

    mutating func reportDuplicate(_ child: SourceElement, in parent: SourceElement) {
        report(child, "duplicate element in \(parent.label); it may appear only once")
    }

    /// `on` or `off` as a Bool; anything else is an error naming the attribute.
    mutating func onOff(_ text: String, of element: SourceElement, named attribute: String) -> Bool? {
        switch text {
        case "on": return true
        case "off": return false
        default:
            report(element, "\(attribute) '\(text)' is not 'on' or 'off'")
            return nil
        }
    }

    /// The attribute's value, or an error naming it when it is missing or empty.
    mutating func required(_ attribute: String, of element: SourceElement, example: String = "…") -> String? {
        guard let value = element.attribute(attribute), !value.isEmpty else {
            report(element, "missing attribute \(attribute)='\(example)'")
            return nil
        }
        return value
    }

    /// A decimal number in `range`, or an error quoting the offending text.
    mutating func unsigned<Number: FixedWidthInteger & UnsignedInteger>(
        _ text: String, of element: SourceElement, named what: String, as _: Number.Type = Number.self,
        minimum: Number = 0
    ) -> Number? {
        let trimmed = text.trimmingXMLWhitespace
        guard !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let value = Number(trimmed)
        else {
            report(element, "\(what) '\(text)' is not an unsigned integer" +
                (trimmed.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } && !trimmed.isEmpty ? " below \(Number.max)" : ""))
            return nil
        }
        guard value >= minimum else {
            report(element, "\(what) '\(text)' must be at least \(minimum)")
            return nil
        }
        return value
    }

    /// One of an enum's raw values, or an error listing the accepted ones.
    mutating func choice<Choice: RawRepresentable & CaseIterable>(
        _ text: String, of element: SourceElement, named what: String, as _: Choice.Type = Choice.self
    ) -> Choice? where Choice.RawValue == String {
        if let value = Choice(rawValue: text) { return value }
        let accepted = Choice.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        report(element, "\(what) '\(text)' is not one of \(accepted)")
        return nil
    }

    private func expected(_ allowed: [String]) -> String {
        allowed.isEmpty ? "; it takes none" : " (expected \(allowed.sorted().map { "'\($0)'" }.joined(separator: ", ")))"
    }
}
