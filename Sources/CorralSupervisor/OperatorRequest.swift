/// What an operator asks corrald to do with one container, without touching its definition.
public enum OperatorRequest: String, Sendable, CaseIterable {
    /// Stop it gracefully and keep it stopped (across reloads and corrald restarts).
    case stop
    /// Start it again after a stop.
    case start
    /// Give it a new init.
    case restart
}
