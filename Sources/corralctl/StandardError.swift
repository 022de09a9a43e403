#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Diagnostics go to file descriptor 2 directly: C's `stderr` is a mutable global that
/// Swift 6 rightly refuses to share across concurrency domains.
enum StandardError {
    static func write(_ text: String) {
        var remaining = Array(text.utf8)[...]
        while !remaining.isEmpty {
            let written = remaining.withUnsafeBytes { buffer in
                buffer.baseAddress.map { systemWrite(2, $0, buffer.count) } ?? 0
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            remaining = remaining.dropFirst(written)
        }
    }
}

private let systemWrite = write
