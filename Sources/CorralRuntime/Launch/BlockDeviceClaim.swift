import Glibc

/// A `block` filesystem's device, checked and locked for one container: it must be a block
/// device (opened without blocking: a FIFO in its place must not hang the start), and a
/// writable one is locked for writing with an open-file-description lock, which the
/// container's launcher holds while the container runs — a second container cannot mount it,
/// not even read-only; read-only users may share one.
struct BlockDeviceClaim {
    let descriptor: OwnedDescriptor
    let number: UInt64

    init(_ device: String, readOnly: Bool) throws {
        // Opened for writing when writable: a write lock needs it.
        descriptor = try OwnedDescriptor.open(device, (readOnly ? O_RDONLY : O_RDWR) | O_NONBLOCK | O_NOCTTY)
        var status = stat()
        guard fstat(descriptor.rawValue, &status) == 0 else { throw SystemCallError.last("fstat", device) }
        guard (status.st_mode & S_IFMT) == S_IFBLK else {
            throw RuntimeError("'\(device)' (<filesystem type='block'>) is not a block device")
        }
        number = UInt64(status.st_rdev)
        guard try descriptor.tryLock(exclusive: !readOnly, path: device) else {
            throw RuntimeError("block device '\(device)' is in use by another container"
                + (readOnly ? " read-write" : "") + "; a writable device has one user at a time", code: .busy)
        }
    }
}
