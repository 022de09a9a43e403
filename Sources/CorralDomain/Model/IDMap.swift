/// `<idmap>`: the uid and gid ranges of the container's user namespace.
public struct IDMap: Sendable, Hashable {
    public var users: [IDMapRange]
    public var groups: [IDMapRange]

    public init(users: [IDMapRange], groups: [IDMapRange]) {
        self.users = users
        self.groups = groups
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
