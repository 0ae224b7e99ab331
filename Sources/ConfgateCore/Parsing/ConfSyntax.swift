/// The syntax shared by settings and gate files (design §3): `[section]` headers,
/// `key = value` lines, values bare or in single or double quotes, `#` comments on their
/// own line or after a value. This layer knows no key names; `ConfSchema` gives them meaning.
///
/// Inside quotes, `\` escapes the next character and a doubled quote stands for itself
/// (`'it''s'`), as in postgresql.conf. A bare value runs to `#` or the end of the line,
/// with surrounding blanks removed: quote a value that contains `#`.
public struct ConfDocument: Hashable, Sendable {
    /// One `key = value` line.
    public struct Entry: Hashable, Sendable {
        /// The section the key appeared under; `nil` before the first header.
        public var section: String?
        public var key: String
        public var keyLocation: SourceLocation
        /// The value with quotes and escapes resolved.
        public var value: String
        public var valueLocation: SourceLocation
        /// Whether the value was written in quotes.
        public var quoted: Bool
        /// The text after `#` on the same line, trimmed; `nil` when absent or blank.
        public var comment: String?
    }

    /// One `[section]` header.
    public struct Header: Hashable, Sendable {
        public var name: String
        /// The `[`.
        public var location: SourceLocation
        /// Where the name itself starts (one after `[`, past blanks).
        public var nameLocation: SourceLocation
    }

    /// A meaningful line: a header or an entry.
    public enum Item: Hashable, Sendable {
        case header(Header)
        case entry(Entry)
    }

    /// Headers and entries in file order (blank and comment lines are dropped).
    public var items: [Item] = []

    /// The `key = value` lines, in file order.
    public var entries: [Entry] {
        items.compactMap { if case .entry(let entry) = $0 { entry } else { nil } }
    }

    /// The `[section]` headers, in file order.
    public var headers: [Header] {
        items.compactMap { if case .header(let header) = $0 { header } else { nil } }
    }

    /// Splits `text` into headers and entries. Throws `.badInput` at the first line that is
    /// neither a comment, a header nor `key = value`.
    public static func parse(_ text: String, file: String) throws(ConfgateError) -> ConfDocument {
        var document = ConfDocument()
        var section: String?
        let body = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        let lines = body.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for (index, line) in lines.enumerated() {
            var scanner = LineScanner(Array(line), file: file, line: index + 1)
            switch try scanner.scanLine() {
            case .blank:
                break
            case .header(let header):
                section = header.name
                document.items.append(.header(header))
            case .entry(var entry):
                entry.section = section
                document.items.append(.entry(entry))
            }
        }
        return document
    }
}

/// Scans one line of a settings or gate file.
struct LineScanner {
    enum Line {
        case blank
        case header(ConfDocument.Header)
        case entry(ConfDocument.Entry)
    }

    private let chars: [Character]
    private let file: String
    private let line: Int
    private var index = 0

    init(_ chars: [Character], file: String, line: Int) {
        self.chars = chars
        self.file = file
        self.line = line
    }

    private var current: Character? { index < chars.count ? chars[index] : nil }
    private var atEndOrComment: Bool { current == nil || current == "#" }

    private func location(_ at: Int) -> SourceLocation {
        SourceLocation(file: file, line: line, column: at + 1)
    }

    private func error(_ message: String, at: Int, details: [String] = []) -> ConfgateError {
        ConfgateError(.badInput, message, at: location(at), details: details)
    }

    private mutating func skipBlanks() {
        while let c = current, c == " " || c == "\t" { index += 1 }
    }

    /// The rest of the line from `#`, trimmed; `nil` when there is no comment or it is blank.
    private func comment() -> String? {
        guard current == "#" else { return nil }
        let text = String(chars[(index + 1)...]).trimmingBlanks
        return text.isEmpty ? nil : text
    }

    /// The text from `at` to the end of the line or comment, trimmed, for messages.
    private func excerpt(from at: Int) -> String {
        var end = at
        while end < chars.count, chars[end] != "#" { end += 1 }
        let text = String(chars[at..<end]).trimmingBlanks
        return text.count > 40 ? String(text.prefix(40)) + "…" : text
    }

    mutating func scanLine() throws(ConfgateError) -> Line {
        skipBlanks()
        if atEndOrComment { return .blank }
        if current == "[" { return .header(try scanHeader()) }
        return .entry(try scanEntry())
    }

    private mutating func scanHeader() throws(ConfgateError) -> ConfDocument.Header {
        let open = index
        index += 1
        skipBlanks()
        let nameStart = index
        while let c = current, c != "]", c != "#" { index += 1 }
        guard current == "]" else {
            throw error("section header is missing its closing `]`", at: open,
                        details: ["write it as `[\(String(chars[nameStart..<index]).trimmingBlanks)]`"])
        }
        let name = String(chars[nameStart..<index]).trimmingBlanks
        if name.isEmpty { throw error("empty section name `[]`", at: open) }
        if let bad = name.firstIndex(where: { !$0.isKeyCharacter && $0 != "." }) {
            throw error("section name `\(name)` may hold only letters, digits, `_` and `.` (`[pool.replica]`)",
                        at: nameStart + name.distance(from: name.startIndex, to: bad))
        }
        index += 1
        skipBlanks()
        guard atEndOrComment else {
            throw error("unexpected text `\(excerpt(from: index))` after the section header `[\(name)]`", at: index)
        }
        return .init(name: name, location: location(open), nameLocation: location(nameStart))
    }

    private mutating func scanEntry() throws(ConfgateError) -> ConfDocument.Entry {
        let keyStart = index
        guard let first = current, first.isLetter || first == "_" else {
            throw error("expected `key = value` or `[section]`, found `\(excerpt(from: keyStart))`", at: keyStart)
        }
        while let c = current, c.isKeyCharacter { index += 1 }
        let key = String(chars[keyStart..<index])
        skipBlanks()
        guard current == "=" else {
            if atEndOrComment {
                throw error("`\(key)` has no value: write `\(key) = <value>`", at: keyStart)
            }
            if current == ":" {
                throw error("expected `=` after `\(key)`, found `:`", at: index,
                            details: ["write `\(key) = \(excerpt(from: index + 1))`"])
            }
            let rest = excerpt(from: index)
            throw error("expected `key = value` or `[section]`, found `\(excerpt(from: keyStart))`", at: keyStart,
                        details: rest.contains(" ") || rest.contains("\t") ? [] : ["did you mean `\(key) = \(rest)`?"])
        }
        index += 1
        skipBlanks()
        let valueStart = index
        if atEndOrComment {
            throw error("`\(key)` has no value after `=`", at: valueStart)
        }
        let value: String
        let quoted: Bool
        if let quote = current, quote == "\"" || quote == "'" {
            value = try scanQuoted(quote)
            quoted = true
            skipBlanks()
            guard atEndOrComment else {
                throw error("unexpected text `\(excerpt(from: index))` after the quoted value of `\(key)`", at: index,
                            details: ["put a comment after `#`, or the whole value inside the quotes"])
            }
        } else {
            while !atEndOrComment { index += 1 }
            value = String(chars[valueStart..<index]).trimmingBlanks
            quoted = false
        }
        return .init(section: nil, key: key, keyLocation: location(keyStart), value: value,
                     valueLocation: location(valueStart), quoted: quoted, comment: comment())
    }

    /// Reads a quoted value starting at its opening quote, leaving `index` after the closing one.
    private mutating func scanQuoted(_ quote: Character) throws(ConfgateError) -> String {
        let open = index
        index += 1
        var value = ""
        while let c = current {
            if c == "\\" {
                guard index + 1 < chars.count else { break }
                value.append(chars[index + 1])
                index += 2
            } else if c == quote {
                if index + 1 < chars.count, chars[index + 1] == quote {
                    value.append(quote)
                    index += 2
                } else {
                    index += 1
                    return value
                }
            } else {
                value.append(c)
                index += 1
            }
        }
        throw error("unterminated quote: the value starting here has no closing `\(quote)`", at: open,
                    details: ["close it on the same line; values cannot span lines"])
    }
}

extension Character {
    /// Letters, digits and `_`: what keys and section names are made of.
    var isKeyCharacter: Bool { isLetter || isNumber || self == "_" }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingBlanks: String {
        var slice = Substring(self)
        while let c = slice.first, c == " " || c == "\t" { slice.removeFirst() }
        while let c = slice.last, c == " " || c == "\t" { slice.removeLast() }
        return String(slice)
    }
}
