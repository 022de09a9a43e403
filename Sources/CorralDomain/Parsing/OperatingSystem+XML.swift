// <os>: parse and format side by side.

extension OperatingSystem {
    /// libvirt's architecture names (basictypes.rng), so formatted output keeps validating.
    static let architectures: [String] = [
        "aarch64", "alpha", "armv6l", "armv7l", "cris", "i686", "ia64", "lm32", "m68k", "microblaze",
        "microblazeel", "mips", "mipsel", "mips64", "mips64el", "openrisc", "parisc", "parisc64", "ppc",
        "ppc64", "ppc64le", "ppcemb", "riscv32", "riscv64", "s390", "s390x", "sh4", "sh4eb", "sparc",
        "sparc64", "unicore32", "x86_64", "xtensa", "xtensaeb",
    ]

    private static let children = ["type", "init", "initarg", "initenv", "initdir", "inituser", "initgroup"]

    static func parse(_ element: SourceElement, context: inout ParseContext) -> OperatingSystem? {
        context.checkAttributes(of: element, allowed: [])
        var seen = NameSet()
        var architecture: String? = nil
        var sawType = false
        var initPath: String? = nil
        var arguments: [String] = []
        var environment: [EnvironmentVariable] = []
        var environmentNames = NameSet()
        var directory: String? = nil
        var user: SourceElement? = nil
        var group: SourceElement? = nil
        for child in element.children {
            guard child.namespaceURI == nil, children.contains(child.name) else {
                context.reportUnexpectedChild(child, in: element, allowed: children)
                continue
            }
            if child.name != "initarg" && child.name != "initenv" && !seen.insert(child.name) {
                context.reportDuplicate(child, in: element)
                continue
            }
            switch child.name {
            case "type":
                sawType = true
                context.checkAttributes(of: child, allowed: ["arch", "machine"])
                if child.attribute("machine") != nil {
                    context.report(child, "attribute 'machine' is not valid for os type 'exe'")
                }
                let type = child.text.trimmingXMLWhitespace
                if type != "exe" {
                    context.report(child, "os type '\(type)' is not supported: a container's os type is 'exe'")
                }
                if let arch = child.attribute("arch") {
                    if architectures.contains(arch) {
                        architecture = arch
                    } else {
                        context.report(child, "arch '\(arch)' is not an architecture libvirt knows")
                    }
                }
            case "init":
                context.checkAttributes(of: child, allowed: [])
                initPath = absolutePath(child, context: &context)
            case "initarg":
                context.checkAttributes(of: child, allowed: [])
                arguments.append(child.text)
            case "initenv":
                context.checkAttributes(of: child, allowed: ["name"])
                guard let name = context.required("name", of: child, example: "NAME") else { continue }
                guard name.isEnvironmentName else {
                    context.report(child, "name '\(name)' is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)")
                    continue
                }
                guard environmentNames.insert(name) else {
                    context.report(child, "variable '\(name)' is set twice")
                    continue
                }
                environment.append(EnvironmentVariable(name: name, value: child.text))
            case "initdir":
                context.checkAttributes(of: child, allowed: [])
                directory = absolutePath(child, context: &context)
            case "inituser":
                user = child
            default:  // initgroup
                group = child
            }
        }
        let initUser = identity(user, context: &context)
        let initGroup = identity(group, context: &context)
        // libvirt's schema accepts <inituser> and <initgroup> only as a pair.
        if let user, group == nil { context.report(user, "needs an <initgroup> beside it (libvirt's schema takes them as a pair)") }
        if let group, user == nil { context.report(group, "needs an <inituser> beside it (libvirt's schema takes them as a pair)") }
        if !sawType { context.report(element, "missing <type>exe</type>") }
        guard let initPath else {
            if !seen.contains("init") { context.report(element, "missing <init>: the absolute path of the program to run as init") }
            return nil
        }
        return OperatingSystem(initPath: initPath, architecture: architecture, initArguments: arguments,
                               initEnvironment: environment, initDirectory: directory,
                               initUser: initUser, initGroup: initGroup)
    }

    private static func absolutePath(_ element: SourceElement, context: inout ParseContext) -> String? {
        let path = element.text
        guard path.utf8.first == UInt8(ascii: "/"), path.utf8.count > 1 else {
            context.report(element, "'\(path)' is not an absolute path")
            return nil
        }
        return path
    }

    private static func identity(_ element: SourceElement?, context: inout ParseContext) -> String? {
        guard let element else { return nil }
        context.checkAttributes(of: element, allowed: [])
        let value = element.text
        guard value.isGenericName else {
            context.report(element, "'\(value)' is neither a user or group name nor a number")
            return nil
        }
        return value
    }

    func format(into writer: inout XMLWriter) {
        writer.open("os")
        writer.textElement("type", [("arch", architecture)], text: "exe")
        writer.textElement("init", text: initPath)
        for argument in initArguments { writer.textElement("initarg", text: argument) }
        for variable in initEnvironment { writer.textElement("initenv", [("name", variable.name)], text: variable.value) }
        if let initDirectory { writer.textElement("initdir", text: initDirectory) }
        if let initUser { writer.textElement("inituser", text: initUser) }
        if let initGroup { writer.textElement("initgroup", text: initGroup) }
        writer.close("os")
    }
}

extension String {
    var isEnvironmentName: Bool {
        guard let first = utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return isGenericName && !utf8.contains(UInt8(ascii: "+")) && !utf8.contains(UInt8(ascii: "-"))
    }
}
