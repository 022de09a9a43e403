/// An absolute, normalised path inside the container: no empty, `.` or `..` components and
/// no trailing slash (`/data/` and `/data//` are `/data`). Whether it stays inside the
/// container root through symlinks is decided at mount time, by resolving it in the rootfs.
public struct ContainerPath: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The components below `/`; empty for the root itself.
    public let components: [Substring]

    public static let root = ContainerPath(validatedComponents: [])

    private init(validatedComponents: [Substring]) { self.components = validatedComponents }

    /// Why a string is not a container path.
    public enum Problem: Error, Sendable, Equatable {
        case notAbsolute
        case parentComponent
    }

    public init(parsing text: String) throws(Problem) {
        guard text.utf8.first == UInt8(ascii: "/") else { throw .notAbsolute }
        var components: [Substring] = []
        for component in text.split(separator: "/", omittingEmptySubsequences: true) {
            if component == "." { continue }
            if component == ".." { throw .parentComponent }
            components.append(component)
        }
        self.components = components
    }

    /// `/a/b/c` from its components, for paths written in code (`.literal("dev", "pts")`):
    /// no parsing on the start path.
    public static func literal(_ components: Substring...) -> ContainerPath {
        ContainerPath(validatedComponents: components)
    }

    /// This path with `name` below it; for paths built in code (`.root.appending("dev")`).
    public func appending(_ name: String) -> ContainerPath {
        precondition(!name.isEmpty && name != "." && name != ".." && !name.contains("/"), "not one path component: \(name)")
        return ContainerPath(validatedComponents: components + [Substring(name)])
    }

    public var isRoot: Bool { components.isEmpty }

    /// Mount order: a parent is mounted before anything below it.
    public var depth: Int { components.count }

    /// Whether this path is `other` or below it.
    public func isInside(_ other: ContainerPath) -> Bool {
        components.count >= other.components.count && Array(components.prefix(other.components.count)) == other.components
    }

    public var description: String {
        "/" + joinedComponents
    }

    /// The components joined by `/`, without a leading one (`srv/www`; empty for the root),
    /// once per mount on the start path (see `joinedByAppending`).
    public var joinedComponents: String {
        components.joinedByAppending(separator: "/")
    }

    public static func < (lhs: ContainerPath, rhs: ContainerPath) -> Bool {
        lhs.components.lexicographicallyPrecedes(rhs.components)
    }
}
