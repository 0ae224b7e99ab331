/// A failure of a libpq connection or of a statement on it, with the server's SQLSTATE
/// when there is one (e.g. `53300` too many connections, `57014` statement timeout).
///
/// `description` never contains a password: the message is scrubbed of the password the
/// connection was made with (if any) when the error is created.
public struct PGError: Error, Hashable, Sendable, CustomStringConvertible {
    /// When the failure happened.
    public enum Kind: Hashable, Sendable {
        /// Making the connection failed (refused, timed out, rejected at login).
        case connect
        /// A statement failed; the connection is still usable.
        case query
        /// The connection broke (server gone, backend terminated); it cannot be used again.
        case connectionLost
        /// The connection had already been closed by `close()`.
        case closed
    }

    public var kind: Kind
    /// Five-character SQLSTATE, `nil` when the failure did not come from the server
    /// (no such socket, connect timeout on the client side).
    public var sqlState: String?
    /// The server's or libpq's message, one line, without the password.
    public var message: String

    public init(_ kind: Kind, sqlState: String?, message: String) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
    }

    /// `connect failed [53300]: sorry, too many clients already`.
    public var description: String {
        let what: String
        switch kind {
        case .connect: what = "connect failed"
        case .query: what = "query failed"
        case .connectionLost: what = "connection lost"
        case .closed: what = "connection closed"
        }
        if let sqlState { return "\(what) [\(sqlState)]: \(message)" }
        return "\(what): \(message)"
    }

    /// Builds an error from libpq's message text, removing `password` from it and reading
    /// a SQLSTATE written by `PQERRORS_VERBOSE`/`PQERRORS_SQLSTATE` (`FATAL:  53300: ...`).
    static func fromMessage(_ kind: Kind, _ raw: String, sqlState: String? = nil, password: String?) -> PGError {
        var lines = raw.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        // libpq's VERBOSE adds LOCATION lines; they are noise for a user.
        lines.removeAll { $0.hasPrefix("LOCATION:") }
        var state = sqlState
        var text = lines.map { $0.trimmingSpaces() }.joined(separator: " ")
        if state == nil, let parsed = Self.parseVerbose(text) {
            state = parsed.sqlState
            text = parsed.rest
        }
        if let password, !password.isEmpty {
            text = text.replacingAll(password, with: "***")
        }
        return PGError(kind, sqlState: state, message: text.isEmpty ? "unknown error" : text)
    }

    /// Finds `SEVERITY:  XXXXX: text` (or `SEVERITY:  XXXXX` alone) anywhere in `text`.
    static func parseVerbose(_ text: String) -> (sqlState: String, rest: String)? {
        for severity in ["FATAL:", "ERROR:", "PANIC:"] {
            guard let range = text.range(of: severity) else { continue }
            let after = text[range.upperBound...].drop { $0 == " " }
            let code = after.prefix(5)
            guard code.count == 5, code.allSatisfy({ $0.isNumber || ($0.isUppercase && $0.isASCII) }) else { continue }
            let tail = after.dropFirst(5)
            guard tail.isEmpty || tail.first == ":" || tail.first == " " else { continue }
            let rest = tail.drop { $0 == ":" || $0 == " " }
            let prefix = text[..<range.lowerBound]
            let message = (prefix + severity + "  " + rest).trimmingSpaces()
            return (String(code), message)
        }
        return nil
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        let scalars = unicodeScalars.drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        var s = String(String.UnicodeScalarView(scalars))
        while let last = s.last, last == " " || last == "\t" || last == "\n" || last == "\r" { s.removeLast() }
        return s
    }

    func replacingAll(_ needle: String, with replacement: String) -> String {
        guard !needle.isEmpty else { return String(self) }
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: needle) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
