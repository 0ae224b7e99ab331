import Foundation

/// A libpq connection string, as parsed by libpq itself (`PQconninfoParse`).
/// Its password never appears in any output: `redacted` shows it as `***`.
public struct DSN: Hashable, Sendable, Codable {
    /// The string as written in the file. Never print it: use `redacted`.
    public var raw: String
    /// libpq's keywords with the values the string set (e.g. `host`, `dbname`, `user`,
    /// `application_name`), in libpq's order; unset keywords are absent.
    public var parameters: [Parameter]

    /// One keyword = value pair.
    public struct Parameter: Hashable, Sendable, Codable {
        public var keyword: String
        public var value: String
        public init(keyword: String, value: String) {
            self.keyword = keyword
            self.value = value
        }
    }

    public init(raw: String, parameters: [Parameter]) {
        self.raw = raw
        self.parameters = parameters
    }

    /// The value libpq parsed for `keyword`, if the string set it.
    public subscript(keyword: String) -> String? {
        parameters.first { $0.keyword == keyword }?.value
    }

    /// The parameters as libpq's keyword → value dictionary, secrets included: what a
    /// connection is made with. Never print it: use `redacted`.
    public var libpqParameters: [String: String] {
        Dictionary(parameters.map { ($0.keyword, $0.value) }) { _, last in last }
    }

    /// Whether the string carries a password.
    public var hasPassword: Bool { self["password"] != nil }

    /// Keywords whose values are secrets: shown as `***` in every output.
    public static let secretKeywords: Set<String> = ["password", "sslpassword"]

    /// The parameters with every secret replaced by `***`.
    public var redactedParameters: [Parameter] {
        parameters.map {
            Self.secretKeywords.contains($0.keyword) ? Parameter(keyword: $0.keyword, value: "***") : $0
        }
    }

    /// The DSN as `key=value` conninfo built from libpq's parse, with secrets as `***`:
    /// `host=db.internal port=5432 dbname=auth user=auth password=***`. Safe to print.
    /// Where to connect comes first, then the rest in libpq's order.
    public var redacted: String {
        let first = ["host", "hostaddr", "port", "dbname", "user", "password"]
        let ordered = redactedParameters.sorted {
            (first.firstIndex(of: $0.keyword) ?? first.count) < (first.firstIndex(of: $1.keyword) ?? first.count)
        }
        return ordered.map { "\($0.keyword)=\(Self.quoted($0.value))" }.joined(separator: " ")
    }

    /// A conninfo value, single-quoted when it is empty or holds a space, quote or backslash.
    static func quoted(_ value: String) -> String {
        let plain = !value.isEmpty && !value.contains { $0 == " " || $0 == "'" || $0 == "\\" || $0 == "\t" }
        if plain { return value }
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
        return "'\(escaped)'"
    }

    private enum CodingKeys: String, CodingKey { case raw, parameters }

    /// Encodes the DSN with its secrets redacted: `raw` becomes `redacted` and secret
    /// parameters read `***`, so no JSON confgate writes can leak a password.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(redacted, forKey: .raw)
        try container.encode(redactedParameters, forKey: .parameters)
    }
}
