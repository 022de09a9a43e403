/// `<os>` of an `exe` domain: the init to run and how to run it.
public struct OperatingSystem: Sendable, Equatable {
    /// `<type arch='…'>`: the architecture libvirt records; nil when not given.
    public var architecture: String?
    /// `<init>`: absolute path inside the container.
    public var initPath: String
    /// `<initarg>`: argv[1…] in order.
    public var initArguments: [String]
    /// `<initenv name='…'>`: added to init's environment, in order.
    public var initEnvironment: [EnvironmentVariable]
    /// `<initdir>`: working directory of init.
    public var initDirectory: String?
    /// `<inituser>`: a name from the container's /etc/passwd, or a number.
    public var initUser: String?
    /// `<initgroup>`: a name from the container's /etc/group, or a number.
    public var initGroup: String?

    public init(
        initPath: String, architecture: String? = nil, initArguments: [String] = [],
        initEnvironment: [EnvironmentVariable] = [], initDirectory: String? = nil,
        initUser: String? = nil, initGroup: String? = nil
    ) {
        self.architecture = architecture
        self.initPath = initPath
        self.initArguments = initArguments
        self.initEnvironment = initEnvironment
        self.initDirectory = initDirectory
        self.initUser = initUser
        self.initGroup = initGroup
    }
}

/// One `<initenv name='NAME'>VALUE</initenv>`.
public struct EnvironmentVariable: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
