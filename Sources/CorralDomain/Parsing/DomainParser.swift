/// Reads a domain definition: libxml2 parses it with every network and entity feature off,
/// then one walk over the tree builds the `Domain` and checks every rule of the dialect,
/// collecting all errors of the file before failing.
public enum DomainParser {
    /// Parses the definition in `bytes`; `file` is how errors name it.
    public static func parse(_ bytes: UnsafeRawBufferPointer, file: String) throws(DomainDiagnostics) -> Domain {
        let document = try ParsedXML(bytes: bytes, file: file)
        var context = ParseContext(file: file)
        let domain = parseDomain(document.root, context: &context)
        guard context.errors.isEmpty, let domain else {
            throw DomainDiagnostics(context.allErrors)
        }
        return domain
    }

    public static func parse(_ text: String, file: String) throws(DomainDiagnostics) -> Domain {
        try parse(bytes: Array(text.utf8), file: file)
    }

    private static func parse(bytes: [UInt8], file: String) throws(DomainDiagnostics) -> Domain {
        // withUnsafeBytes only rethrows untyped errors; carry the typed one out in a Result.
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(DomainDiagnostics) in try parse(buffer, file: file) }
        }
        return try result.get()
    }

    /// Reads and parses the file at `path`; errors name it as `path`.
    public static func parse(contentsOf path: String) throws(DomainDiagnostics) -> Domain {
        try DefinitionFile.parse(contentsOf: path, with: parse)
    }

    private static let singletons: [String] = [
        "name", "uuid", "memory", "currentMemory", "vcpu", "os", "idmap", "features", "on_poweroff",
        "on_reboot", "on_crash", "devices", "metadata", "memtune", "cputune", "blkiotune",
    ]

    private static func parseDomain(_ root: SourceElement, context: inout ParseContext) -> Domain? {
        guard root.name == "domain", root.namespaceURI == nil else {
            context.report(root, "the root element must be <domain type='lxc'>")
            return nil
        }
        context.checkAttributes(of: root, allowed: ["type"])
        let type = root.attribute("type")
        if type != "lxc" {
            context.report(root, type.map { "type '\($0)' is not supported: Corral runs type 'lxc'" } ?? "missing attribute type='lxc'")
        }
        let declarations = root.namespaceDeclarations
        var seen = NameSet()
        var name: String? = nil
        var os: OperatingSystem? = nil
        var sawOS = false
        var domain = Domain(name: "", os: OperatingSystem(initPath: "/"))
        for child in root.children {
            guard child.namespaceURI == nil else {
                domain.preservedElements.append(PreservedElement(copying: child, rootDeclarations: declarations))
                continue
            }
            if singletons.contains(child.name) && !seen.insert(child.name) {
                context.reportDuplicate(child, in: root)
                continue
            }
            switch child.name {
            case "name":
                name = parseName(child, context: &context)
            case "uuid":
                context.checkAttributes(of: child, allowed: [])
                domain.uuid = DomainUUID(parsing: Substring(child.text.trimmingXMLWhitespace))
                if domain.uuid == nil {
                    context.report(child, "'\(child.text)' is not a UUID (32 hex digits, or 8-4-4-4-12)")
                }
            case "memory":
                domain.memory = MemoryAmount.parse(child, context: &context)
            case "currentMemory":
                // 0, as libvirt's LXC converter writes it, means "as <memory>": no value of its own.
                if child.text.trimmingXMLWhitespace == "0" {
                    context.checkAttributes(of: child, allowed: ["unit"])
                } else {
                    domain.currentMemory = MemoryAmount.parse(child, context: &context)
                }
            case "vcpu":
                domain.vcpu = parseVCPU(child, context: &context)
            case "memtune":
                domain.memoryTune = MemoryTune.parse(child, context: &context, rootDeclarations: declarations)
            case "cputune":
                domain.cpuTune = CPUTune.parse(child, context: &context, rootDeclarations: declarations)
            case "blkiotune":
                domain.blkioTune = BlkioTune.parse(child, context: &context, rootDeclarations: declarations)
            case "os":
                sawOS = true
                os = OperatingSystem.parse(child, context: &context)
            case "idmap":
                domain.idmap = IDMap.parse(child, context: &context)
            case "features":
                domain.features = Features.parse(child, context: &context, rootDeclarations: declarations)
            case "on_poweroff", "on_reboot", "on_crash":
                parseLifecycle(child, into: &domain.lifecycle, context: &context)
            case "devices":
                parseDevices(child, into: &domain, context: &context, rootDeclarations: declarations)
            case "metadata":
                parseMetadata(child, into: &domain, context: &context, rootDeclarations: declarations)
            case let other where LibvirtOrder.topLevel[other] != nil:
                domain.preservedElements.append(PreservedElement(copying: child, rootDeclarations: declarations))
            default:
                context.report(child, "unknown element in <domain>; elements of other tools need their own XML namespace")
            }
        }
        if !seen.contains("name") { context.report(root, "missing <name>") }
        if !sawOS { context.report(root, "missing <os> with <type>exe</type> and <init>") }
        guard let name, let os else { return nil }
        domain.name = name
        domain.os = os
        domain.namespaceDeclarations = declarations
        domain.preservedElements = LibvirtOrder.canonicalOrder(domain.preservedElements, by: LibvirtOrder.topLevel)
        return domain
    }

    /// libvirt's rule (no '/', not '.' or '..') plus no control characters, since the name
    /// names files and appears in logs; and a length that leaves room for file suffixes.
    private static func parseName(_ element: SourceElement, context: inout ParseContext) -> String? {
        context.checkAttributes(of: element, allowed: [])
        let name = element.text
        let problem: String? =
            if name.isEmpty { "the name is empty" }
            else if name == "." || name == ".." { "'\(name)' is not a name" }
            else if name.utf8.contains(UInt8(ascii: "/")) { "'\(name)' contains '/'" }
            else if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                "the name contains a control character"
            }
            else if name.utf8.count > Domain.maximumNameLength { "the name is longer than \(Domain.maximumNameLength) bytes" }
            else { nil }
        if let problem {
            context.report(element, problem)
            return nil
        }
        return name
    }

    private static func parseVCPU(_ element: SourceElement, context: inout ParseContext) -> VirtualCPUs? {
        context.checkAttributes(of: element, allowed: ["placement", "cpuset", "current"])
        guard let count = context.unsigned(element.text, of: element, named: "count", as: UInt32.self, minimum: 1) else {
            return nil
        }
        var vcpu = VirtualCPUs(count: count)
        if let placement = element.attribute("placement") {
            guard let value: VirtualCPUs.Placement = context.choice(placement, of: element, named: "placement") else {
                return nil
            }
            vcpu.placement = value
        }
        if let cpuset = element.attribute("cpuset") {
            guard !cpuset.isEmpty, cpuset.utf8.allSatisfy({ "0123456789,-^".utf8.contains($0) }) else {
                context.report(element, "cpuset '\(cpuset)' is not a CPU list such as '0-3,^2'")
                return nil
            }
            vcpu.cpuset = cpuset
        }
        if let current = element.attribute("current") {
            guard let value = context.unsigned(current, of: element, named: "current", as: UInt32.self) else {
                return nil
            }
            // 0, as libvirt's LXC converter writes it, means all of them.
            guard value > 0 else { return vcpu }
            guard value <= count else {
                context.report(element, "current \(value) exceeds the \(count) vcpus")
                return nil
            }
            vcpu.current = value
        }
        return vcpu
    }

    private static func parseLifecycle(_ element: SourceElement, into lifecycle: inout Lifecycle,
                                       context: inout ParseContext) {
        context.checkAttributes(of: element, allowed: [])
        let text = element.text.trimmingXMLWhitespace
        guard let action: LifecycleAction = context.choice(text, of: element, named: "action") else { return }
        switch element.name {
        case "on_poweroff": lifecycle.onPoweroff = action
        case "on_reboot": lifecycle.onReboot = action
        default: lifecycle.onCrash = action
        }
    }

    private static func parseMetadata(_ element: SourceElement, into domain: inout Domain, context: inout ParseContext,
                                      rootDeclarations: [PreservedAttribute]) {
        context.checkAttributes(of: element, allowed: [])
        var sawCorral = false
        for child in element.children {
            if child.namespaceURI == CorralSettings.namespaceURI {
                guard child.name == "container" else {
                    context.report(child, "unknown element of Corral's namespace (expected <\(CorralSettings.prefix):container>)")
                    continue
                }
                if sawCorral { context.reportDuplicate(child, in: element) }
                sawCorral = true
                domain.corral = CorralSettings.parse(child, context: &context)
            } else if child.namespaceURI == nil {
                context.report(child, "a <metadata> element needs its own XML namespace (libvirt's rule)")
            } else {
                domain.foreignMetadata.append(PreservedElement(copying: child, rootDeclarations: rootDeclarations))
            }
        }
    }
}

extension Domain {
    /// Leaves room for suffixes when the name names a file (`NAME.log.1`).
    public static let maximumNameLength = 200
}
