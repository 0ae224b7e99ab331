/// `[load]` values given as command-line flags (`--rate 800/s`, `--spike off`), read by the
/// gate file's own key readers (the same checks, no text round-trip) and laid over the gate
/// file's values. A bad value is a `.badInput` error naming the flag.
public struct LoadOverrides: Sendable {
    /// `(key, value)` pairs in gate-file spelling: `("rate", "800/s")`.
    public var values: [(key: String, value: String)] = []

    public init() {}

    /// Adds `key = value` when `value` is set.
    public mutating func set(_ key: String, _ value: String?) {
        if let value { values.append((key, value)) }
    }

    /// The flag that sets a `[load]` key: `db_time` → `--db-time`.
    public static func flag(_ key: String) -> String { "--" + key.replacingOccurrences(of: "_", with: "-") }

    /// `gate` with the overrides applied.
    public func apply(to gate: GateSettings) throws(ConfgateError) -> GateSettings {
        var result = gate
        for (key, value) in values {
            guard let reader = GateFile.schema.keys.first(where: { $0.section == "load" && $0.name == key }) else {
                throw ConfgateError(.badInput, "no [load] key \(key)")
            }
            do {
                try reader.apply(ConfValue(text: value, location: SourceLocation(file: "command line", line: 1, column: 1), key: key), &result)
            } catch {
                throw ConfgateError(.badInput, "\(Self.flag(key)): \(error.message)", details: error.details)
            }
            result.origins["load.\(key)"] = nil
        }
        // The spike must fit the trial: a new duration is checked against the gate's own spike.
        do {
            try GateFile.validate(result)
        } catch {
            let flag = values.contains { $0.key == "spike" } ? "--spike"
                : "--duration (with the gate file's spike \(gate.load.spike?.description ?? "off"))"
            throw ConfgateError(.badInput, "\(flag): \(error.message)", details: error.details)
        }
        return result
    }
}
