/// `<console type='pty'>`: the container's /dev/console, a pty its monitor owns.
public struct Console: Sendable, Equatable {
    /// Children such as libvirt's `<target type='lxc' port='0'/>`, kept verbatim.
    public var preserved: [PreservedElement]

    public init(preserved: [PreservedElement] = []) { self.preserved = preserved }
}
