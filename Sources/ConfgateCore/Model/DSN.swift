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

    /// Whether the string carries a password.
    public var hasPassword: Bool { self["password"] != nil }
}
