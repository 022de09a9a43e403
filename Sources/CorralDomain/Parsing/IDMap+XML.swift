// <idmap>: parse and format side by side.

extension IDMap {
    /// The kernel accepts at most this many lines in uid_map / gid_map (since Linux 4.15).
    static let maximumRanges = 340

    static func parse(_ element: SourceElement, context: inout ParseContext) -> IDMap? {
        context.checkAttributes(of: element, allowed: [])
        var users: [IDMapRange] = []
        var groups: [IDMapRange] = []
        var valid = true
        var kindsWithInvalidRanges: Set<String> = []
        for child in element.children {
            guard child.namespaceURI == nil, child.name == "uid" || child.name == "gid" else {
                context.reportUnexpectedChild(child, in: element, allowed: ["uid", "gid"])
                valid = false
                continue
            }
            guard let range = IDMapRange.parse(child, context: &context) else {
                valid = false
                kindsWithInvalidRanges.insert(child.name)
                continue
            }
            if child.name == "uid" { users.append(range) } else { groups.append(range) }
        }
        // The rules over all ranges are checked only when every range of the kind was valid:
        // a dropped range would make them report consequences instead of the cause.
        if !kindsWithInvalidRanges.contains("uid") {
            valid = check(users, kind: "uid", in: element, context: &context) && valid
        }
        if !kindsWithInvalidRanges.contains("gid") {
            valid = check(groups, kind: "gid", in: element, context: &context) && valid
        }
        return valid ? IDMap(users: users, groups: groups, line: element.line) : nil
    }

    /// libvirt's rules: the container's root must be mapped; plus the kernel's, which refuses
    /// overlapping ranges and more than 340 of them.
    private static func check(_ ranges: [IDMapRange], kind: String, in element: SourceElement,
                              context: inout ParseContext) -> Bool {
        guard !ranges.isEmpty else {
            context.report(element, "missing <\(kind) start='0' target='…' count='…'/>: uids and gids are mapped together")
            return false
        }
        guard ranges.count <= maximumRanges else {
            context.report(element, "\(ranges.count) <\(kind)> ranges; the kernel accepts at most \(maximumRanges)")
            return false
        }
        let sorted = ranges.sorted { $0.start < $1.start }
        guard sorted[0].start == 0 else {
            context.report(element, "no <\(kind)> range starts at 0: the container's root must be mapped")
            return false
        }
        for (earlier, later) in zip(sorted, sorted.dropFirst())
        where UInt64(earlier.start) + UInt64(earlier.count) > UInt64(later.start) {
            context.report(element, "<\(kind)> ranges starting at \(earlier.start) and \(later.start) overlap")
            return false
        }
        let targets = ranges.sorted { $0.target < $1.target }
        for (earlier, later) in zip(targets, targets.dropFirst())
        where UInt64(earlier.target) + UInt64(earlier.count) > UInt64(later.target) {
            context.report(element, "<\(kind)> ranges with targets \(earlier.target) and \(later.target) overlap")
            return false
        }
        return true
    }

    func format(into writer: inout XMLWriter) {
        writer.open("idmap")
        for range in users { range.format("uid", into: &writer) }
        for range in groups { range.format("gid", into: &writer) }
        writer.close("idmap")
    }
}

extension IDMapRange {
    static func parse(_ element: SourceElement, context: inout ParseContext) -> IDMapRange? {
        context.checkAttributes(of: element, allowed: ["start", "target", "count"])
        var values: [UInt32] = []
        for attribute in ["start", "target", "count"] {
            guard let text = context.required(attribute, of: element),
                  let value = context.unsigned(text, of: element, named: attribute, as: UInt32.self,
                                               minimum: attribute == "count" ? 1 : 0)
            else { continue }
            values.append(value)
        }
        guard values.count == 3 else { return nil }
        let range = IDMapRange(start: values[0], target: values[1], count: values[2])
        for (name, first) in [("start", range.start), ("target", range.target)]
        where UInt64(first) + UInt64(range.count) > UInt64(UInt32.max) {
            context.report(element, "\(name) \(first) + count \(range.count) runs past the last id \(UInt32.max - 1)")
            return nil
        }
        return range
    }

    func format(_ name: String, into writer: inout XMLWriter) {
        writer.empty(name, [("start", String(start)), ("target", String(target)), ("count", String(count))])
    }
}
