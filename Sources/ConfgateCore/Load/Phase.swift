/// The part of a trial a login was scheduled in.
public enum Phase: String, Hashable, Sendable, Codable, CaseIterable {
    /// Before measuring starts; not counted in the results.
    case warmup
    /// Steady traffic at the configured rate.
    case steady
    /// The burst: rate × spike multiplier.
    case spike
    /// The rolling deploy: surge instances running, old ones draining.
    case deploy
}

extension Phase {
    /// `during the spike`, for sentences that say where something happened.
    public var during: String {
        switch self {
        case .warmup: "during warmup"
        case .steady: "in steady traffic"
        case .spike: "during the spike"
        case .deploy: "during the deploy"
        }
    }
}
