/// `<console type='pty'>`: a pty its monitor owns — the container's /dev/console for the first,
/// /dev/tty1, /dev/tty2, … for the others.
public struct Console: Sendable, Equatable {
    /// /dev/console and /dev/tty1 to /dev/tty11.
    public static let maximumCount = 12

    /// Children such as libvirt's `<target type='lxc' port='0'/>`, kept verbatim.
    public var preserved: [PreservedElement]

    public init(preserved: [PreservedElement] = []) { self.preserved = preserved }
}
