// <filesystem>: parse and format side by side, as libvirt's domain_conf.c keeps them.

extension Filesystem {
    /// Children libvirt defines that Corral keeps verbatim; anything else is an error.
    private static let preservedChildren: [String] = [
        "alias", "address", "boot", "binary", "idmap", "space_hard_limit", "space_soft_limit",
    ]

    static func parse(_ element: SourceElement, context: inout ParseContext, rootDeclarations: [PreservedAttribute])
        -> Filesystem?
    {
        context.checkAttributes(of: element, allowed: ["type", "accessmode"])
        // No type attribute means 'mount', as libvirt defined it.
        let type: FilesystemType? = context.choice(element.attribute("type") ?? "mount", of: element, named: "type")
        var accessMode: FilesystemAccessMode? = nil
        if let mode = element.attribute("accessmode") {
            accessMode = context.choice(mode, of: element, named: "accessmode")
        }
        var source: SourceElement? = nil
        var target: SourceElement? = nil
        var driver: FilesystemDriver? = nil
        var readOnly = false
        var preserved: [PreservedElement] = []
        for child in element.children {
            guard child.namespaceURI == nil else {
                preserved.append(PreservedElement(copying: child, rootDeclarations: rootDeclarations))
                continue
            }
            switch child.name {
            case "source":
                if source != nil { context.reportDuplicate(child, in: element) } else { source = child }
            case "target":
                if target != nil { context.reportDuplicate(child, in: element) } else { target = child }
            case "readonly":
                context.checkAttributes(of: child, allowed: [])
                if readOnly { context.reportDuplicate(child, in: element) }
                readOnly = true
            case "driver":
                if driver != nil { context.reportDuplicate(child, in: element) }
                driver = FilesystemDriver.parse(child, context: &context)
            case let name where preservedChildren.contains(name):
                preserved.append(PreservedElement(copying: child, rootDeclarations: rootDeclarations))
            default:
                context.reportUnexpectedChild(child, in: element, allowed: ["driver", "source", "target", "readonly"])
            }
        }
        let parsedTarget = parseTarget(target, of: element, context: &context)
        guard let type else { return nil }
        guard let source else {
            context.report(element, "missing <source \(type.sourceAttribute)='…'/>")
            return nil
        }
        guard let parsedSource = parseSource(source, type: type, context: &context), let parsedTarget else {
            return nil
        }
        return Filesystem(source: parsedSource, target: parsedTarget, readOnly: readOnly,
                          accessMode: accessMode, driver: driver, preserved: preserved)
    }

    private static func parseTarget(_ target: SourceElement?, of element: SourceElement,
                                    context: inout ParseContext) -> ContainerPath? {
        guard let target else {
            context.report(element, "missing <target dir='…'/>")
            return nil
        }
        context.checkAttributes(of: target, allowed: ["dir"])
        guard let dir = context.required("dir", of: target, example: "/path/in/container") else { return nil }
        return ContainerPath.parse(dir, of: target, attribute: "dir", context: &context)
    }

    private static func parseSource(_ source: SourceElement, type: FilesystemType,
                                    context: inout ParseContext) -> FilesystemSource? {
        let expected = type.sourceAttribute
        let allowed: [String] = type == .ram ? ["usage", "units"] : [expected]
        for attribute in source.attributes where attribute.namespaceURI != nil || !allowed.contains(attribute.name) {
            context.report(source, "attribute '\(attribute.qualifiedName)' is not valid for type '\(type.rawValue)' (expected \(expected)='…')")
        }
        guard let value = context.required(expected, of: source) else { return nil }
        switch type {
        case .mount:
            guard hostPath(value, of: source, attribute: expected, context: &context) else { return nil }
            return .mount(hostDirectory: value)
        case .block:
            guard hostPath(value, of: source, attribute: expected, context: &context) else { return nil }
            return .block(device: value)
        case .file:
            guard hostPath(value, of: source, attribute: expected, context: &context) else { return nil }
            return .file(image: value)
        case .bind:
            return ContainerPath.parse(value, of: source, attribute: expected, context: &context)
                .map { .bind(containerDirectory: $0) }
        case .template:
            guard value.isGenericName else {
                context.report(source, "name '\(value)' may contain only letters, digits, '_', '+' and '-'")
                return nil
            }
            return .template(name: value)
        case .ram:
            guard let usage = context.unsigned(value, of: source, named: "usage", as: UInt64.self, minimum: 1) else {
                return nil
            }
            let units = source.attribute("units")
            guard let size = MemoryAmount(value: usage, unit: units) else {
                context.report(source, MemoryAmount.problem(value: value, unit: units ?? "KiB", attribute: "units"))
                return nil
            }
            return .ram(size: size)
        }
    }

    private static func hostPath(_ value: String, of source: SourceElement, attribute: String,
                                 context: inout ParseContext) -> Bool {
        guard value.utf8.first == UInt8(ascii: "/") else {
            context.report(source, "\(attribute) '\(value)' is not an absolute path")
            return false
        }
        return true
    }

    func format(into writer: inout XMLWriter) {
        writer.open("filesystem", [("type", source.type.rawValue), ("accessmode", accessMode?.rawValue)])
        if let driver {
            writer.empty("driver", [("type", driver.kind?.rawValue), ("format", driver.format),
                                    ("wrpolicy", driver.writePolicyImmediate ? "immediate" : nil)])
        }
        switch source {
        case .mount(let directory): writer.empty("source", [("dir", directory)])
        case .bind(let directory): writer.empty("source", [("dir", directory.description)])
        case .block(let device): writer.empty("source", [("dev", device)])
        case .file(let image): writer.empty("source", [("file", image)])
        case .template(let name): writer.empty("source", [("name", name)])
        case .ram(let size): writer.empty("source", [("usage", String(size.kibibytes)), ("units", "KiB")])
        }
        writer.empty("target", [("dir", target.description)])
        if readOnly { writer.empty("readonly") }
        for element in preserved { element.format(into: &writer) }
        writer.close("filesystem")
    }
}

extension FilesystemDriver {
    /// libvirt's storage formats (storagecommon.rng); the runtime attaches `raw` images only.
    public static let storageFormats: [String] = [
        "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop", "luks",
        "cow", "qcow", "qcow2", "qed", "vmdk",
    ]

    /// Corral's extension (README, "Filesystems"): a kernel filesystem name in `format` of a `block`
    /// or `file` filesystem names the type to mount instead of probing for it. libvirt's
    /// schema does not know these values, so a file using one validates only with Corral.
    public static let filesystemFormats: [String] = [
        "ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "exfat", "f2fs", "squashfs", "erofs", "iso9660",
        "udf",
    ]

    static func parse(_ element: SourceElement, context: inout ParseContext) -> FilesystemDriver? {
        context.checkAttributes(of: element, allowed: ["type", "format", "wrpolicy"])
        var driver = FilesystemDriver()
        if let kind = element.attribute("type") {
            driver.kind = context.choice(kind, of: element, named: "type")
        }
        if let format = element.attribute("format") {
            if storageFormats.contains(format) || filesystemFormats.contains(format) {
                driver.format = format
            } else {
                let known = (storageFormats.sorted() + filesystemFormats.sorted()).map { "'\($0)'" }
                context.report(element, "format '\(format)' is neither an image format nor a filesystem type (\(known.joined(separator: ", ")))")
            }
        }
        if let policy = element.attribute("wrpolicy") {
            if policy == "immediate" {
                driver.writePolicyImmediate = true
            } else {
                context.report(element, "wrpolicy '\(policy)' is not 'immediate'")
            }
        }
        return driver
    }
}

extension ContainerPath {
    static func parse(_ text: String, of element: SourceElement, attribute: String,
                      context: inout ParseContext) -> ContainerPath? {
        do throws(ContainerPath.Problem) {
            return try ContainerPath(parsing: text)
        } catch {
            switch error {
            case .notAbsolute:
                context.report(element, "\(attribute) '\(text)' is not an absolute path")
            case .parentComponent:
                context.report(element, "\(attribute) '\(text)' contains '..'; paths in the container may not climb out of it")
            }
            return nil
        }
    }
}

extension MemoryAmount {
    static func problem(value: String, unit: String, attribute: String) -> String {
        if bytesPerUnit(unit) == nil {
            return "\(attribute) '\(unit)' is not a unit (b, KiB, MiB, GiB, TiB, PiB, EiB, KB, MB, …)"
        }
        return "'\(value) \(unit)' is too large"
    }
}

extension String {
    /// libvirt's genericName: letters, digits, '_', '+', '-'; also safe as a file name.
    var isGenericName: Bool {
        !isEmpty && consists(ofLettersDigitsAnd: "_+-")
    }
}
