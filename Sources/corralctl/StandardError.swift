import CorralRuntime

/// Diagnostics go to file descriptor 2 directly: C's `stderr` is a mutable global that
/// Swift 6 rightly refuses to share across concurrency domains.
enum StandardError {
    static func write(_ text: String) {
        FileIO.writeAll(2, text)
    }
}
