/// How much a lint finding matters. Errors block a change (exit 1); warnings block only
/// with `--strict`; info never blocks.
public enum Severity: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
    case error, warning, info

    /// Errors first: `error < warning < info` in this ordering, so sorting puts the worst first.
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }

    private var rank: Int {
        switch self {
        case .error: 0
        case .warning: 1
        case .info: 2
        }
    }
}
