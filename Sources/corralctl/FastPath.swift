import CorralSupervisor

/// The everyday commands in their plain forms — `validate FILE…`, `format FILE`,
/// `list [--state-dir DIR] [--format F]`, `status NAME [--state-dir DIR] [--format F]` — run
/// without swift-argument-parser, whose reflection makes the Swift runtime scan its protocol
/// conformances and costs more than the command itself (2.3 ms against 0.9 ms for a static
/// binary that does nothing). Anything else — help, an unknown option, a missing record, whose
/// message is the parser's — goes to the parser, which gives the same results. Nil: not handled.
enum FastPath {
    static func run(_ arguments: [String]) -> Int32? {
        guard let command = arguments.first else { return nil }
        let rest = Array(arguments.dropFirst())
        switch command {
        case "validate":
            guard !rest.isEmpty, rest.allSatisfy({ !$0.hasPrefix("-") }) else { return nil }
            return Validate.check(rest)
        case "format":
            guard rest.count == 1, !rest[0].hasPrefix("-") else { return nil }
            return Format.format(rest[0])
        case "list":
            guard let options = options(rest) else { return nil }
            List.show(state: options.state.state, format: options.format)
            return 0
        case "status":
            guard let name = rest.first, !name.hasPrefix("-"), let options = options(Array(rest.dropFirst())),
                  let record = options.state.state.read(name) else { return nil }
            Status.show(record, name: name, stateOptions: options.state, format: options.format)
            return 0
        default:
            return nil
        }
    }

    /// `--state-dir DIR` and `--format text|json`, each at most once, in any order.
    private static func options(_ arguments: [String]) -> (state: StateOptions, format: OutputFormat)? {
        var state = StateOptions()
        var format = OutputFormat.text
        var seen: Set<String> = []
        var index = 0
        while index < arguments.count {
            let option = arguments[index]
            guard index + 1 < arguments.count, seen.insert(option).inserted else { return nil }
            let value = arguments[index + 1]
            switch option {
            case "--state-dir" where !value.isEmpty: state.stateDirectory = value
            case "--format": guard let chosen = OutputFormat(rawValue: value) else { return nil }; format = chosen
            default: return nil
            }
            index += 2
        }
        return (state, format)
    }
}
