/// `<idmap>`: the uid and gid ranges of the container's user namespace.
public struct IDMap: Sendable, Hashable {
    public var users: [IDMapRange]
    public var groups: [IDMapRange]
    /// Where `<idmap>` is in its file, for warnings; not part of the value.
    public var line: Int?

    public init(users: [IDMapRange], groups: [IDMapRange], line: Int? = nil) {
        self.users = users
        self.groups = groups
        self.line = line
    }

    public static func == (left: IDMap, right: IDMap) -> Bool {
        left.users == right.users && left.groups == right.groups
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(users)
        hasher.combine(groups)
    }

    /// Warnings for a map that is valid but gives the container the host's root: a range
    /// whose target is 0. Each names the range: `<uid start='0' target='0' count='65536'>: …`.
    public var hostRootWarnings: [String] {
        let ranges = users.filter { $0.target == 0 }.map { ("uid", $0) } + groups.filter { $0.target == 0 }.map { ("gid", $0) }
        return ranges.map { kind, range in
            "<idmap><\(kind) start='\(range.start)' target='0' count='\(range.count)'>: maps the container's \(kind) \(range.start) "
                + "onto the host's \(kind) 0 (root): what it owns there, the container owns; map onto an unused range such as 100000"
        }
    }

    /// The map of a container without `<idmap>`: ids 0…65535 inside are the same ids on the
    /// host (as systemd-nspawn's `--private-users=identity`), so root inside owns the host's
    /// files as root, yet holds its capabilities only over its own namespaces.
    public static let identity = IDMap(users: [IDMapRange(start: 0, target: 0, count: 65536)],
                                       groups: [IDMapRange(start: 0, target: 0, count: 65536)])

    /// The host uid that `id` inside is, or nil when unmapped.
    public func hostUser(_ id: UInt32) -> UInt32? { IDMap.host(id, in: users) }

    /// The host gid that `id` inside is, or nil when unmapped.
    public func hostGroup(_ id: UInt32) -> UInt32? { IDMap.host(id, in: groups) }

    private static func host(_ id: UInt32, in ranges: [IDMapRange]) -> UInt32? {
        ranges.first { id >= $0.start && UInt64(id) < UInt64($0.start) + UInt64($0.count) }.map { $0.target &+ (id - $0.start) }
    }

    /// Whether any id inside is the host's root (uid or gid 0).
    public var mapsHostRoot: (user: Bool, group: Bool) {
        (users.contains { $0.target == 0 }, groups.contains { $0.target == 0 })
    }
}

/// `<uid start='0' target='100000' count='65536'/>`: ids start… inside are target… on the host.
public struct IDMapRange: Sendable, Hashable {
    public var start: UInt32
    public var target: UInt32
    public var count: UInt32

    public init(start: UInt32, target: UInt32, count: UInt32) {
        self.start = start
        self.target = target
        self.count = count
    }
}
