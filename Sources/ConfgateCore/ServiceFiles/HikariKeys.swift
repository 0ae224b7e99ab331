/// HikariCP's pool properties confgate reads, and the key each sets: the one table the
/// Spring reader (`spring.datasource.hikari.*`) and the plain `.properties` reader share.
/// Names are HikariCP's (`HikariConfig` setters); Spring's kebab-case forms bind to them.
enum HikariKeys {
    enum Unit { case count, milliseconds }

    /// (HikariCP property, our key, its unit).
    static let pool: [(property: String, path: String, unit: Unit)] = [
        ("maximumPoolSize", "pool.max_size", .count),
        ("minimumIdle", "pool.min_idle", .count),
        ("connectionTimeout", "pool.acquire_timeout", .milliseconds),
        ("idleTimeout", "pool.idle_timeout", .milliseconds),
        ("maxLifetime", "pool.max_lifetime", .milliseconds),
    ]

    /// Properties HikariCP has that confgate reads but does not model, with why.
    static let unmodelled: [(property: String, why: String)] = [
        ("keepaliveTime", "keepalive probes do not change how many connections the fleet holds"),
    ]

    /// Reads the pool properties from `properties` (names relative to `prefix`, e.g.
    /// `spring.datasource.hikari`; empty for a plain HikariCP file), resolving placeholders.
    static func read(_ properties: PropertyMap, prefix: String, placeholders: Placeholders,
                     into reading: inout SourceReading, describing: String) throws(ConfgateError) {
        let at = prefix.isEmpty ? "" : prefix + "."
        for key in pool {
            guard let raw = properties[at + key.property] else { continue }
            let value = try placeholders.resolve(raw)
            let number = digits(value.text)
            switch key.unit {
            case .count:
                reading.bind(key.path, number ?? value.text, value)
            case .milliseconds:
                guard let number else {
                    throw ConfgateError(
                        .badInput, "`\(raw.name)` is in milliseconds, a whole number (HikariCP's unit); got `\(value.text)`",
                        at: value.location)
                }
                reading.bind(key.path, "\(number)ms", value)
            }
        }
        for key in unmodelled {
            if let value = properties[at + key.property] {
                reading.note("`\(value.name)` read but not modelled: \(key.why)", at: value.location)
            }
        }
        if properties[at + "maximumPoolSize"] == nil {
            reading.note("\(describing) sets no maximumPoolSize: HikariCP's default 10 applies")
        }
    }

    /// `300_000` → `300000` (YAML 1.1 and Java literals allow digit separators); `nil` when the
    /// text is not a whole number.
    static func digits(_ text: String) -> String? {
        let plain = text.trimmingBlanks
        guard !plain.isEmpty, plain.first != "_", plain.last != "_",
              plain.allSatisfy({ $0.isASCIIDigit || $0 == "_" }) else { return nil }
        return plain.filter { $0 != "_" }
    }
}
