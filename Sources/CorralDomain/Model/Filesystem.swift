/// One `<filesystem>`: how a path of the container is provided.
public struct Filesystem: Sendable, Equatable {
    public var source: FilesystemSource
    public var target: ContainerPath
    /// `<readonly/>`, enforced for every type.
    public var readOnly: Bool
    /// `accessmode='passthrough|mapped|squash'` as written; Corral always passes through.
    public var accessMode: FilesystemAccessMode?
    /// `<driver type='loop' format='raw'/>`.
    public var driver: FilesystemDriver?
    /// Children Corral does not model (`<alias>`, `<space_hard_limit>`, …), kept verbatim.
    public var preserved: [PreservedElement]

    public init(source: FilesystemSource, target: ContainerPath, readOnly: Bool = false,
                accessMode: FilesystemAccessMode? = nil, driver: FilesystemDriver? = nil,
                preserved: [PreservedElement] = []) {
        self.source = source
        self.target = target
        self.readOnly = readOnly
        self.accessMode = accessMode
        self.driver = driver
        self.preserved = preserved
    }
}

/// The filesystem type together with exactly the source that type needs.
public enum FilesystemSource: Sendable, Hashable {
    /// `type='mount'`, `<source dir>`: recursive bind of a host directory.
    case mount(hostDirectory: String)
    /// `type='bind'`, `<source dir>`: a container path bound onto another, once the root is in place.
    case bind(containerDirectory: ContainerPath)
    /// `type='block'`, `<source dev>`: a block device.
    case block(device: String)
    /// `type='file'`, `<source file>`: an image on a loop device.
    case file(image: String)
    /// `type='template'`, `<source name>`: an overlay over a read-only template directory.
    case template(name: String)
    /// `type='ram'`, `<source usage units>`: a tmpfs of that size.
    case ram(size: MemoryAmount)

    public var type: FilesystemType {
        switch self {
        case .mount: .mount
        case .bind: .bind
        case .block: .block
        case .file: .file
        case .template: .template
        case .ram: .ram
        }
    }
}

/// The `type` attribute of `<filesystem>`; 'mount' when absent (libvirt's default).
public enum FilesystemType: String, Sendable, CaseIterable {
    case mount, block, file, template, ram, bind

    /// The `<source>` attribute this type reads.
    public var sourceAttribute: String {
        switch self {
        case .mount, .bind: "dir"
        case .block: "dev"
        case .file: "file"
        case .template: "name"
        case .ram: "usage"
        }
    }
}

/// `accessmode` of `<filesystem>`.
public enum FilesystemAccessMode: String, Sendable, CaseIterable {
    case passthrough, mapped, squash
}

/// `<driver type='…' format='…'/>` of `<filesystem>`.
public struct FilesystemDriver: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable { case path, handle, loop, nbd, ploop }

    public var kind: Kind?
    /// A storage format from libvirt's list (`raw`, `qcow2`, …); the runtime attaches `raw` only.
    public var format: String?
    /// `wrpolicy='immediate'`.
    public var writePolicyImmediate: Bool

    public init(kind: Kind? = nil, format: String? = nil, writePolicyImmediate: Bool = false) {
        self.kind = kind
        self.format = format
        self.writePolicyImmediate = writePolicyImmediate
    }
}
