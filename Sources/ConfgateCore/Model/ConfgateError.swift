/// An error confgate reports to its user, with the exit code it maps to (design §2).
public struct ConfgateError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure, which decides the exit code.
    public enum Kind: Hashable, Sendable {
        /// Unreadable or invalid input: exit 2.
        case badInput
        /// The environment failed (no PostgreSQL, server crashed, timed out): exit 3.
        case environment
    }

    public var kind: Kind
    /// Where in an input file, when the error is about one.
    public var location: SourceLocation?
    /// One line saying what is wrong.
    public var message: String
    /// Further lines: a hint, a suggestion, or the server's own log lines.
    public var details: [String]

    public init(_ kind: Kind, _ message: String, at location: SourceLocation? = nil, details: [String] = []) {
        self.kind = kind
        self.message = message
        self.location = location
        self.details = details
    }

    /// The process exit code for this error.
    public var exitCode: Int32 { kind == .badInput ? 2 : 3 }

    /// `file:line:column: error: message`, then details indented.
    public var description: String {
        var head = "error: \(message)"
        if let location { head = "\(location): " + head }
        return ([head] + details.map { "  \($0)" }).joined(separator: "\n")
    }
}
