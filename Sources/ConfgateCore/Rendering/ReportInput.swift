import Foundation

/// Reads a saved result for `confgate report`, and says what a file is when it is not
/// something that can be re-rendered: not JSON, another program's JSON, or a verify or run
/// result of another schema version. Every refusal is bad input (exit 2).
public enum ReportInput {
    /// A saved result `confgate report` can draw again.
    public enum Document: Sendable {
        case verify(VerifyResult)
        case run(RunResult)
    }

    /// The verify or run result in `data`, read from the file `name`.
    public static func read(_ data: Data, name: String) throws -> Document {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ConfgateError(.badInput, "\(name) is not JSON, so not a confgate result",
                                details: ["write one with: confgate verify … --format json > result.json, or --report-dir DIR (verify or run)"])
        }
        guard let keys = object as? [String: Any] else {
            throw ConfgateError(.badInput, "\(name) is JSON but not a confgate result (its top level is not an object)")
        }
        let version = keys["schemaVersion"] as? Int
        let isVerify = keys["verdict"] != nil && keys["proposed"] != nil && keys["current"] != nil
        let isRun = keys["summary"] != nil && keys["timeline"] != nil
        if isRun && !isVerify, let version {
            guard version == RunResult.schemaVersion else {
                throw ConfgateError(.badInput, "\(name) is a confgate run result of schema version \(version); this confgate reads version \(RunResult.schemaVersion)",
                                    details: ["re-render it with the confgate that wrote it, or run it again"])
            }
            do {
                return .run(try JSONDecoder().decode(RunResult.self, from: data))
            } catch {
                throw ConfgateError(.badInput, "\(name) is a confgate run result (schema version \(version)) but does not read: \(describe(error))")
            }
        }
        guard isVerify, let version else {
            let some = keys.keys.sorted().prefix(5).joined(separator: ", ")
            throw ConfgateError(.badInput, "\(name) is JSON but not a confgate verify or run result (keys: \(some.isEmpty ? "none" : some))")
        }
        guard version == VerifyResult.schemaVersion else {
            throw ConfgateError(.badInput, "\(name) is a confgate verify result of schema version \(version); this confgate reads version \(VerifyResult.schemaVersion)",
                                details: ["re-render it with the confgate that wrote it, or run verify again"])
        }
        do {
            return .verify(try JSONDecoder().decode(VerifyResult.self, from: data))
        } catch {
            throw ConfgateError(.badInput, "\(name) is a confgate verify result (schema version \(version)) but does not read: \(describe(error))")
        }
    }

    /// A decoding error as `missing key verdict.decision`, without Foundation's noise.
    static func describe(_ error: Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing key \((path(context).isEmpty ? "" : path(context) + ".") + key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context).isEmpty ? "top level" : path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
