/// `[load]` values given as command-line flags (`--rate 800/s`, `--spike off`), parsed with
/// exactly the gate file's syntax and checks, then laid over the gate file's values.
public struct LoadOverrides: Sendable {
    /// `(key, value)` pairs in gate-file spelling: `("rate", "800/s")`.
    public var values: [(key: String, value: String)] = []

    public init() {}

    /// Adds `key = value` when `value` is set.
    public mutating func set(_ key: String, _ value: String?) {
        if let value { values.append((key, value)) }
    }

    /// `gate` with the overrides applied. A bad value is a `.badInput` error naming the flag.
    public func apply(to gate: GateSettings) throws(ConfgateError) -> GateSettings {
        guard !values.isEmpty else { return gate }
        var lines = values.map { "\($0.key) = \($0.value)" }
        // The spike must fit the trial: check a new duration against the gate's own spike,
        // not the built-in one.
        if !values.contains(where: { $0.key == "spike" }) {
            lines.append("spike = \(gate.load.spike?.description ?? "off")")
        }
        let text = "[load]\n" + lines.joined(separator: "\n") + "\n"
        let parsed: GateSettings
        do {
            parsed = try GateFile.parse(text, file: "command line")
        } catch {
            let line = (error.location?.line ?? 2) - 2
            let flag = values.indices.contains(line)
                ? "--" + values[line].key.replacingOccurrences(of: "_", with: "-")
                : "--duration (with the gate file's spike \(gate.load.spike?.description ?? "off"))"
            throw ConfgateError(.badInput, "\(flag): \(error.message)", details: error.details)
        }
        var result = gate
        for (key, _) in values {
            let p = parsed.load
            switch key {
            case "rate": result.load.rate = p.rate
            case "duration": result.load.duration = p.duration
            case "warmup": result.load.warmup = p.warmup
            case "spike": result.load.spike = p.spike
            case "deploy": result.load.deploy = p.deploy
            case "users": result.load.users = p.users
            case "bad_password_ratio": result.load.badPasswordRatio = p.badPasswordRatio
            case "db_time": result.load.dbTime = p.dbTime
            case "trials": result.load.trials = p.trials
            case "seed": result.load.seed = p.seed
            default: throw ConfgateError(.badInput, "no [load] key \(key)")
            }
        }
        return result
    }
}
