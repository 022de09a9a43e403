import Glibc

/// Memory for everything the child reads between clone and exec: C strings, argv/envp and
/// the flat mount table. All of it is allocated here, in the parent, before the clone, so the
/// child never allocates; the arena frees it when the launch is over.
final class LaunchArena {
    private var blocks: [UnsafeMutableRawPointer] = []

    /// A NUL-terminated copy of `text`, writable (the child NULs out path prefixes in place).
    func string(_ text: String) -> UnsafeMutablePointer<CChar> {
        let bytes = Array(text.utf8)
        let memory = allocate(CChar.self, count: bytes.count + 1)
        for (index, byte) in bytes.enumerated() { memory[index] = CChar(bitPattern: byte) }
        memory[bytes.count] = 0
        return memory
    }

    /// A NULL-terminated array of C strings, as execve wants argv and envp.
    func stringArray(_ texts: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let array = allocate(UnsafeMutablePointer<CChar>?.self, count: texts.count + 1)
        for (index, text) in texts.enumerated() { array[index] = string(text) }
        array[texts.count] = nil
        return array
    }

    /// Zeroed memory for `count` values of `type`.
    func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let size = max(1, MemoryLayout<T>.stride * count)
        guard let raw = calloc(1, size) else {
            // Out of memory before the container exists: nothing sensible can continue.
            fatalError("calloc(\(size)) failed while preparing a container launch")
        }
        blocks.append(raw)
        return raw.bindMemory(to: T.self, capacity: max(1, count))
    }

    func array<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let memory = allocate(T.self, count: values.count)
        for (index, value) in values.enumerated() { (memory + index).initialize(to: value) }
        return memory
    }

    deinit {
        for block in blocks { free(block) }
    }
}
