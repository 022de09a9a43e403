import Glibc

extension OwnedDescriptor {
    /// Takes a whole-file open-file-description lock (F_OFD_SETLK: held by this descriptor,
    /// not the process, so a forked child cannot keep it, and released when the descriptor
    /// closes — also when its holder is killed). False when another holder has a conflicting
    /// lock; a write lock needs the file open for writing, a read lock for reading.
    public func tryLock(exclusive: Bool, path: String) throws(SystemCallError) -> Bool {
        var lock = flock()
        lock.l_type = Int16(exclusive ? F_WRLCK : F_RDLCK)
        lock.l_whence = Int16(SEEK_SET)
        if fcntl(rawValue, 37 /* F_OFD_SETLK, GNU-only */, &lock) == 0 { return true }
        guard errno == EAGAIN || errno == EACCES else { throw .last("fcntl F_OFD_SETLK", path) }
        return false
    }

    /// Waits for a whole-file write lock (F_OFD_SETLKW), released when the descriptor closes.
    public func lockExclusively(path: String) throws(SystemCallError) {
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        while fcntl(rawValue, 38 /* F_OFD_SETLKW, GNU-only */, &lock) != 0 {
            guard errno == EINTR else { throw .last("fcntl F_OFD_SETLKW", path) }
        }
    }
}
