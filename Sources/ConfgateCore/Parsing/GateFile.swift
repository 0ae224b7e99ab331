import Foundation

/// Reads a gate file (design §4): `[load]`, `[gate]` and `[lint]`, with the settings file's
/// syntax and errors. Every key not in the file keeps its default.
public enum GateFile {
    /// The name looked for in the working directory when no `--gate` is given.
    public static let defaultName = "confgate.gate"

    /// Reads and validates the file at `path`. Throws `ConfgateError` (`.badInput`, with location).
    public static func load(path: String) throws(ConfgateError) -> GateSettings {
        try parse(try InputFile.read(path), file: path)
    }

    /// The gate settings a command uses: the file named by `path` (`--gate`) when given,
    /// else `confgate.gate` in `directory` when it exists, else the built-in defaults.
    public static func resolve(path: String?, directory: String = FileManager.default.currentDirectoryPath)
        throws(ConfgateError) -> GateSettings
    {
        if let path { return try load(path: path) }
        let candidate = (directory as NSString).appendingPathComponent(defaultName)
        if FileManager.default.fileExists(atPath: candidate) { return try load(path: defaultName) }
        return GateSettings()
    }

    /// Parses `text` as if read from `file`.
    public static func parse(_ text: String, file: String) throws(ConfgateError) -> GateSettings {
        let document = try ConfDocument.parse(text, file: file)
        var gate = GateSettings(file: file)
        let provenance = try schema.read(document, into: &gate)
        gate.origins = provenance.origins
        gate.sections = provenance.sections
        try validate(gate)
        return gate
    }

    static let schema = ConfSchema<GateSettings>(
        fileKind: "gate file",
        keys: [
            ConfKey(section: "load", name: "rate", doc: .init(meaning: "logins per second across the fleet, at steady state", unit: "rate (`/s`, `/min`, `/h`), above 0", defaultText: "`400/s`")) { value, gate throws(ConfgateError) in
                gate.load.rate = try value.rate()
            },
            ConfKey(section: "load", name: "duration", doc: .init(meaning: "length of each trial, after warmup", unit: "duration, above 0", defaultText: "`10s`")) { value, gate throws(ConfgateError) in
                let duration = try value.duration()
                if duration.microseconds == 0 { throw value.error("`duration` must be longer than 0s") }
                gate.load.duration = duration
            },
            ConfKey(section: "load", name: "warmup", doc: .init(meaning: "load before measuring starts", unit: "duration", defaultText: "`2s`")) { value, gate throws(ConfgateError) in
                gate.load.warmup = try value.duration()
            },
            ConfKey(section: "load", name: "spike", doc: .init(meaning: "a burst in the middle of each trial, `<multiplier>x for <duration>`, or `off`", unit: "multiplier ≥ 1, duration shorter than `duration`", defaultText: "`3x for 4s`")) { value, gate throws(ConfgateError) in
                gate.load.spike = try value.spike()
            },
            ConfKey(section: "load", name: "deploy", doc: .init(meaning: "a rolling deploy part-way: start `max_surge` instances, then retire as many old ones", unit: "boolean", defaultText: "`on`")) { value, gate throws(ConfgateError) in
                gate.load.deploy = try value.bool()
            },
            ConfKey(section: "load", name: "users", doc: .init(meaning: "seeded accounts", unit: "count, at least 1", defaultText: "`10000`")) { value, gate throws(ConfgateError) in
                gate.load.users = try value.count(minimum: 1, maximum: 10_000_000, why: "logins need an account")
            },
            ConfKey(section: "load", name: "bad_password_ratio", doc: .init(meaning: "logins that use a wrong password (an expected failure)", unit: "percentage, 0–100%", defaultText: "`5%`")) { value, gate throws(ConfgateError) in
                gate.load.badPasswordRatio = try value.percent()
            },
            ConfKey(section: "load", name: "db_time", doc: .init(meaning: "extra server time per login (`pg_sleep`), modelling production query cost", unit: "duration", defaultText: "`5ms`")) { value, gate throws(ConfgateError) in
                gate.load.dbTime = try value.duration()
            },
            ConfKey(section: "load", name: "trials", doc: .init(meaning: "trials per side, run interleaved", unit: "count, 1–1000", defaultText: "`3`")) { value, gate throws(ConfgateError) in
                gate.load.trials = try value.count(minimum: 1, maximum: 1_000, why: "each side needs a trial")
            },
            ConfKey(section: "load", name: "seed", doc: .init(meaning: "fixes the arrival schedule and the user sequence", unit: "whole number, 0 to 2⁶⁴−1", defaultText: "`1`")) { value, gate throws(ConfgateError) in
                gate.load.seed = try value.unsigned64()
            },
            ConfKey(section: "gate", name: "max_failed_logins", doc: .init(meaning: "logins allowed to fail for infrastructure reasons (not a wrong password)", unit: "count", defaultText: "`0`")) { value, gate throws(ConfgateError) in
                gate.gate.maxFailedLogins = try value.count()
            },
            ConfKey(section: "gate", name: "latency_tolerance", doc: .init(meaning: "how much p50 and p99 may grow", unit: "percentage, 0–1000%", defaultText: "`10%`")) { value, gate throws(ConfgateError) in
                gate.gate.latencyTolerance = try value.percent(in: 0...10)
            },
            ConfKey(section: "gate", name: "confidence", doc: .init(meaning: "confidence of the latency judgement", unit: "percentage, 50–99.9%", defaultText: "`95%`")) { value, gate throws(ConfgateError) in
                gate.gate.confidence = try value.percent(in: 0.5...0.999)
            },
            ConfKey(section: "gate", name: "max_utilization", doc: .init(meaning: "peak share of usable connections above which a warning is given", unit: "percentage, above 0%, at most 100%", defaultText: "`90%`")) { value, gate throws(ConfgateError) in
                gate.gate.maxUtilization = try value.percent(in: 0...1, exclusiveLower: true)
            },
            ConfKey(section: "lint", name: "ignore", doc: .init(meaning: "rule IDs switched off for every file, comma-separated (`CG110, CG111`); `\"\"` for none", defaultText: "none")) { value, gate throws(ConfgateError) in
                gate.lint.ignore = try ruleList(value)
            },
        ]
    )

    /// A comma-separated list of rule IDs (`CG110, CG111`), each `CG` and three digits.
    /// Whether each ID names a real rule is for the linter to say.
    static func ruleList(_ value: ConfValue) throws(ConfgateError) -> [String] {
        var ids: [String] = []
        var offset = 0
        for part in value.text.split(separator: ",", omittingEmptySubsequences: false) {
            let leading = part.prefix { $0 == " " || $0 == "\t" }.count
            let id = part.trimmingBlanks.uppercased()
            if id.isEmpty {
                if value.text.trimmingBlanks.isEmpty { return [] }
                throw value.error("empty rule ID in `\(value.key)`", offset: offset + leading)
            }
            let chars = Array(id)
            guard chars.count == 5, id.hasPrefix("CG"), chars[2...].allSatisfy(\.isASCIIDigit) else {
                throw value.error("`\(part.trimmingBlanks)` is not a rule ID: IDs look like `CG110`",
                                  offset: offset + leading)
            }
            if ids.contains(id) {
                throw value.error("`\(id)` is listed twice in `\(value.key)`", offset: offset + leading)
            }
            ids.append(id)
            offset += part.count + 1
        }
        return ids
    }

    static func validate(_ gate: GateSettings) throws(ConfgateError) {
        if let spike = gate.load.spike, spike.duration >= gate.load.duration {
            throw ConfgateError(
                .badInput,
                "the spike lasts \(spike.duration) but each trial lasts only \(gate.load.duration)",
                at: gate.origins["load.spike"]?.value ?? gate.origins["load.duration"]?.value,
                details: ["the spike runs in the middle of a trial: make it shorter than `duration`"])
        }
    }
}
