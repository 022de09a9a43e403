import Glibc

/// strerror's text for an errno, e.g. "No such file or directory": how every module words a
/// failed system call.
public func errnoText(_ number: Int32) -> String {
    String(cString: strerror(number))
}
