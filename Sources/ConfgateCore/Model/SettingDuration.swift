/// A duration from a settings or gate file, kept exactly in microseconds so that
/// `30s` and `30000ms` are equal.
public struct SettingDuration: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The exact value in microseconds.
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    public static func milliseconds(_ ms: Int64) -> SettingDuration { .init(microseconds: ms * 1_000) }
    public static func seconds(_ s: Int64) -> SettingDuration { .init(microseconds: s * 1_000_000) }
    public static func minutes(_ m: Int64) -> SettingDuration { .init(microseconds: m * 60_000_000) }

    /// A command-line flag's duration as a file would spell it: flags also take `m` for
    /// minutes (`--duration 10m`), which postgresql.conf's units, and so settings files,
    /// write `min`.
    public static func flagSpelling(_ text: String) -> String {
        let spelled = text.trimmingCharacters(in: .whitespaces)
        return spelled.hasSuffix("m") && !spelled.hasSuffix("ms") && !spelled.hasSuffix("min") ? spelled + "in" : spelled
    }

    /// The value as a Swift `Duration`.
    public var duration: Duration { .microseconds(microseconds) }

    /// The value in seconds, for arithmetic and display.
    public var seconds: Double { Double(microseconds) / 1_000_000 }

    public static func < (lhs: SettingDuration, rhs: SettingDuration) -> Bool {
        lhs.microseconds < rhs.microseconds
    }

    /// Units of postgresql.conf, largest first, with their size in microseconds.
    public static let units: [(name: String, microseconds: Int64)] = [
        ("d", 86_400_000_000), ("h", 3_600_000_000), ("min", 60_000_000),
        ("s", 1_000_000), ("ms", 1_000), ("us", 1),
    ]

    /// The value in the largest unit that expresses it exactly: `30s`, `1500ms`, `10min`.
    public var description: String {
        if microseconds == 0 { return "0s" }
        for unit in Self.units where microseconds % unit.microseconds == 0 {
            return "\(microseconds / unit.microseconds)\(unit.name)"
        }
        return "\(microseconds)us"
    }
}
