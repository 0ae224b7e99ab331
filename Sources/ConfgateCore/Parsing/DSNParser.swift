import CLibPQ
import Foundation

/// Parses libpq connection strings with libpq's own `PQconninfoParse`, so confgate reads a
/// DSN exactly as the service's driver would. Parsing never connects to anything. The one
/// parser of connection strings: a settings file's `[database] dsn` and `--postgres URL`.
public enum DSNParser {
    /// Parses a URI (`postgresql://user@host/db?...`) or `key=value` conninfo string.
    /// Throws libpq's reason, with any secret from the string replaced by `***`.
    public static func parse(_ text: String) throws(DSNParseError) -> DSN {
        if text.trimmingCharacters(in: .whitespaces).isEmpty {
            throw DSNParseError(reason: "the DSN is empty")
        }
        var message: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(text, &message) else {
            let reason = message.map { String(cString: $0) } ?? "libpq could not parse it (out of memory?)"
            if let message { PQfreemem(message) }
            var scrubbed = scrub(reason.trimmingCharacters(in: .whitespacesAndNewlines), of: text)
            if let option = unknownOption(in: scrubbed),
               let suggestion = Suggestion.closest(to: option, among: keywords) {
                scrubbed += "; did you mean \"\(suggestion)\"?"
            }
            throw DSNParseError(reason: scrubbed)
        }
        defer { PQconninfoFree(options) }
        var parameters: [DSN.Parameter] = []
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                parameters.append(.init(keyword: String(cString: keyword), value: String(cString: value)))
            }
            option += 1
        }
        let dsn = DSN(raw: text, parameters: parameters)
        try validate(dsn)
        return dsn
    }

    /// Every keyword libpq knows, in libpq's order.
    public static let keywords: [String] = {
        var message: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse("", &message) else {
            if let message { PQfreemem(message) }
            return []
        }
        defer { PQconninfoFree(options) }
        var names: [String] = []
        var option = options
        while let keyword = option.pointee.keyword {
            names.append(String(cString: keyword))
            option += 1
        }
        return names
    }()

    /// The option named in libpq's `invalid connection option "x"` message.
    static func unknownOption(in reason: String) -> String? {
        let prefix = "invalid connection option \""
        guard let start = reason.range(of: prefix)?.upperBound,
              let end = reason[start...].firstIndex(of: "\"") else { return nil }
        return String(reason[start..<end])
    }

    /// Checks the values confgate itself reads; libpq checks them only when connecting.
    static func validate(_ dsn: DSN) throws(DSNParseError) {
        if let timeout = dsn["connect_timeout"], Int(timeout.trimmingCharacters(in: .whitespaces)) == nil {
            throw DSNParseError(reason: "invalid integer value \"\(timeout)\" for connection option \"connect_timeout\"")
        }
        if let ports = dsn["port"] {
            for port in ports.split(separator: ",", omittingEmptySubsequences: false) {
                let trimmed = port.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty { continue }
                guard let number = Int(trimmed), (1...65_535).contains(number) else {
                    throw DSNParseError(reason: "invalid port number: \"\(trimmed)\"")
                }
            }
        }
    }

    /// `reason` with every password-like part of `text` replaced by `***`. libpq's messages
    /// may quote the string (or the piece it choked on), and the DSN failed to parse, so the
    /// secrets are found here by a plain reading: the URI's `user:password@` and any
    /// `password=` or `sslpassword=` value.
    static func scrub(_ reason: String, of text: String) -> String {
        var result = reason
        for secret in secrets(in: text) where secret.count >= 1 {
            result = result.replacingOccurrences(of: secret, with: "***")
        }
        return result
    }

    static func secrets(in text: String) -> [String] {
        var found: [String] = []
        if let scheme = text.range(of: "://") {
            let rest = text[scheme.upperBound...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            if let at = authority.lastIndex(of: "@") {
                let userinfo = authority[..<at]
                if let colon = userinfo.firstIndex(of: ":") {
                    let password = String(userinfo[userinfo.index(after: colon)...])
                    found.append(password)
                    if let decoded = password.removingPercentEncoding { found.append(decoded) }
                }
            }
        }
        for keyword in DSN.secretKeywords {
            var search = text[...]
            while let match = search.range(of: "\(keyword)=") {
                let start = match.upperBound
                var end = start
                let quote = text[start...].first == "'"
                if quote {
                    end = text[text.index(after: start)...].firstIndex(of: "'") ?? text.endIndex
                } else {
                    end = text[start...].firstIndex { $0 == " " || $0 == "&" || $0 == "\t" } ?? text.endIndex
                }
                let value = String(text[(quote ? text.index(after: start) : start)..<end])
                found.append(value)
                if let decoded = value.removingPercentEncoding { found.append(decoded) }
                search = text[end...]
            }
        }
        return found.filter { !$0.isEmpty }.sorted { $0.count > $1.count }
    }
}

/// libpq's reason for rejecting a DSN, with secrets redacted.
public struct DSNParseError: Error, Hashable, Sendable {
    public var reason: String
}
