// Throughput of CorralDomain over a set of definition files, one core:
//   corral-bench-parse [--seconds S] FILE…
// Prints files per second for parse+validate (from the file, as corrald reads it) and for
// parse+validate+format. scripts/bench-parse.sh runs it beside `xmllint --noout`.
import CorralDomain

#if canImport(Glibc)
import Glibc
#endif

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

var arguments = Array(CommandLine.arguments.dropFirst())
var seconds = 2.0
if arguments.first == "--seconds", arguments.count > 1, let value = Double(arguments[1]) {
    seconds = value
    arguments.removeFirst(2)
}
guard !arguments.isEmpty else {
    print("usage: corral-bench-parse [--seconds S] FILE…")
    exit(2)
}

/// Runs `body` over every file repeatedly for about `seconds`; returns files per second.
func measure(_ files: [String], for seconds: Double, _ body: (String) throws(DomainDiagnostics) -> Void) -> Double {
    var count = 0
    let start = now()
    var elapsed = 0.0
    repeat {
        for file in files {
            do {
                try body(file)
            } catch {
                print("\(error)")
                exit(1)
            }
        }
        count += files.count
        elapsed = now() - start
    } while elapsed < seconds
    return Double(count) / elapsed
}

var sink = 0
_ = measure(arguments, for: 0.5) { file throws(DomainDiagnostics) in sink &+= try DomainParser.parse(contentsOf: file).filesystems.count }  // warm-up
let parse = measure(arguments, for: seconds) { file throws(DomainDiagnostics) in sink &+= try DomainParser.parse(contentsOf: file).filesystems.count }
let format = measure(arguments, for: seconds) { file throws(DomainDiagnostics) in sink &+= try DomainParser.parse(contentsOf: file).canonicalXML.utf8.count }
print("corral parse+validate:        \(Int(parse)) files/s  (\(Int(1e9 / parse / 1000)) µs/file)")
print("corral parse+validate+format: \(Int(format)) files/s  (\(Int(1e9 / format / 1000)) µs/file)")
if sink == 42 { print("") }  // keeps the work observable
