/// One entry of a container's device access list: which device nodes it may open (read,
/// write) or create (mknod). Everything not allowed by a rule is denied, however the node
/// came to be — mknod, a devtmpfs mounted inside, a bind of the host's /dev.
public struct DeviceRule: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case character, block
    }

    public struct Access: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        public static let mknod = Access(rawValue: 1 << 0)
        public static let read = Access(rawValue: 1 << 1)
        public static let write = Access(rawValue: 1 << 2)
        public static let all: Access = [.mknod, .read, .write]
    }

    public var kind: Kind
    /// nil: any major (or minor) number.
    public var major: UInt32?
    public var minor: UInt32?
    public var access: Access

    public init(_ kind: Kind, _ major: UInt32?, _ minor: UInt32?, _ access: Access) {
        self.kind = kind
        self.major = major
        self.minor = minor
        self.access = access
    }

    /// The v1 `devices.allow` line: `c 1:3 rwm`, `c 136:* rw`.
    public var description: String {
        let number = { (value: UInt32?) in value.map(String.init) ?? "*" }
        var letters = ""
        if access.contains(.read) { letters += "r" }
        if access.contains(.write) { letters += "w" }
        if access.contains(.mknod) { letters += "m" }
        return "\(kind == .character ? "c" : "b") \(number(major)):\(number(minor)) \(letters)"
    }

    /// What every container may use, as libvirt-lxc allows it: null, zero, full, random,
    /// urandom, tty, console, ptmx and the pty slaves (its own devpts, its console). mknod is
    /// allowed for these only, so the child can make the standard nodes of /dev.
    public static let standard: [DeviceRule] = [
        DeviceRule(.character, 1, 3, .all), DeviceRule(.character, 1, 5, .all), DeviceRule(.character, 1, 7, .all),
        DeviceRule(.character, 1, 8, .all), DeviceRule(.character, 1, 9, .all),
        DeviceRule(.character, 5, 0, .all), DeviceRule(.character, 5, 1, .all), DeviceRule(.character, 5, 2, .all),
        DeviceRule(.character, 136, nil, [.read, .write]),
    ]

    /// The block device of one of the container's own filesystems (`block`, or the loop device
    /// of a `file`): read-only where the filesystem is.
    public static func filesystemDevice(_ number: UInt64, readOnly: Bool) -> DeviceRule {
        DeviceRule(.block, deviceMajor(number), deviceMinor(number), readOnly ? .read : [.read, .write])
    }

    /// glibc's gnu_dev_major / gnu_dev_minor, which Swift cannot import (macros).
    static func deviceMajor(_ number: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: ((number >> 32) & 0xffff_f000) | ((number >> 8) & 0x0000_0fff))
    }

    static func deviceMinor(_ number: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: ((number >> 12) & 0xffff_ff00) | (number & 0x0000_00ff))
    }
}
