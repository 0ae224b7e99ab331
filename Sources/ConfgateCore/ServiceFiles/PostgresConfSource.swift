/// PostgreSQL's own configuration: `postgresql.conf` (with `include`, `include_if_exists`
/// and `include_dir`), `postgresql.auto.conf`, and `-c name=value` on the server's command
/// line. The last setting read wins, as the server applies them: files in order, then
/// `postgresql.auto.conf` (ALTER SYSTEM), then the command line. Where two places disagree,
/// a note says which the server applies.
public struct PostgresConfSource: Sendable {
    /// The server settings confgate reads, and the key each sets.
    static let settings: [(name: String, path: String)] = [
        ("max_connections", "server.max_connections"),
        ("superuser_reserved_connections", "server.superuser_reserved_connections"),
        ("reserved_connections", "server.reserved_connections"),
    ]

    public init() {}

    /// Reads `paths` in order (a `postgresql.conf`, then perhaps its `postgresql.auto.conf`).
    public func read(_ paths: [String], files: FileAccess) throws(ConfgateError) -> SourceReading {
        var reading = SourceReading()
        for path in paths { try Self.file(path, files: files, depth: 0, into: &reading) }
        return reading
    }

    private static func file(_ path: String, files: FileAccess, depth: Int, into reading: inout SourceReading) throws(ConfgateError) {
        guard depth < 10 else {
            throw ConfgateError(.badInput, "includes nested more than 10 deep at \(path): an include loop?")
        }
        let text = try files.read(path)
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard let entry = try entry(Array(line), line: index + 1, file: path) else { continue }
            switch entry.name.lowercased() {
            case "include", "include_if_exists":
                let target = PathText.resolve(entry.value.text, besideFile: path)
                if entry.name.lowercased() == "include_if_exists", !files.exists(target) {
                    reading.note("include_if_exists '\(entry.value.text)': not found, skipped", at: entry.value.location)
                    continue
                }
                try file(target, files: files, depth: depth + 1, into: &reading)
            case "include_dir":
                let directory = PathText.resolve(entry.value.text, besideFile: path)
                for name in files.list(directory).filter({ $0.hasSuffix(".conf") && !$0.hasPrefix(".") }).sorted() {
                    try file(directory + "/" + name, files: files, depth: depth + 1, into: &reading)
                }
            default:
                guard let setting = settings.first(where: { $0.name == entry.name.lowercased() }) else { continue }
                bind(setting.path, entry.value, into: &reading)
            }
        }
    }

    /// `postgres -c max_connections=400` (or `--max_connections=400`) in a container's
    /// command or arguments, split into words, each with its location (`YAMLFile.words`).
    static func commandLine(_ split: [(text: String, location: SourceLocation)], into reading: inout SourceReading) {
        guard split.contains(where: { PathText.basename($0.text) == "postgres" || $0.text.hasPrefix("postgres") }) else { return }
        var index = 0
        while index < split.count {
            var assignment: (text: String, location: SourceLocation)?
            if split[index].text == "-c", index + 1 < split.count {
                assignment = split[index + 1]
                index += 1
            } else if split[index].text.hasPrefix("--"), split[index].text.contains("=") {
                let word = split[index]
                assignment = (String(word.text.dropFirst(2)), SourceLocation(file: word.location.file, line: word.location.line, column: word.location.column + 2))
            }
            index += 1
            guard let assignment, let equals = assignment.text.firstIndex(of: "=") else { continue }
            let name = assignment.text[..<equals].replacingOccurrences(of: "-", with: "_").lowercased()
            guard let setting = settings.first(where: { $0.name == name }) else { continue }
            let text = String(assignment.text[assignment.text.index(after: equals)...])
            let offset = assignment.text.distance(from: assignment.text.startIndex, to: equals) + 1
            var at = assignment.location
            at.column += offset
            bind(setting.path, SourcedValue(text: text, name: name, keyLocation: assignment.location, location: at,
                                            via: "server command line (-c), which wins over postgresql.conf"), into: &reading)
        }
    }

    /// Binds a server setting; when another place already set it differently, notes which wins.
    static func bind(_ path: String, _ value: SourcedValue, into reading: inout SourceReading) {
        if let earlier = reading.bindings.first(where: { $0.path == path }), earlier.text != value.text {
            reading.note("\(value.name) is \(earlier.text) at \(earlier.origin.location) but \(value.text) here: the server applies \(value.text), read last",
                         at: value.location)
        }
        reading.bind(path, value.text, value)
    }

    /// One `name = value` line (the `=` is optional), `#` comments, single-quoted values with
    /// `''` or `\'` escapes; `nil` for blank and comment lines.
    static func entry(_ chars: [Character], line: Int, file: String) throws(ConfgateError) -> (name: String, value: SourcedValue)? {
        var at = 0
        func blanks() { while at < chars.count, chars[at] == " " || chars[at] == "\t" || chars[at] == "\r" { at += 1 } }
        blanks()
        guard at < chars.count, chars[at] != "#" else { return nil }
        let keyColumn = at + 1
        var name = ""
        while at < chars.count, chars[at].isLetter || chars[at].isNumber || chars[at] == "_" || chars[at] == "." { name.append(chars[at]); at += 1 }
        guard !name.isEmpty else {
            throw ConfgateError(.badInput, "syntax error in \(PathText.basename(file)): expected a setting name",
                                at: SourceLocation(file: file, line: line, column: at + 1))
        }
        blanks()
        if at < chars.count, chars[at] == "=" { at += 1; blanks() }
        let valueColumn = at + 1
        var value = ""
        if at < chars.count, chars[at] == "'" {
            at += 1
            var closed = false
            while at < chars.count {
                if chars[at] == "'" {
                    if at + 1 < chars.count, chars[at + 1] == "'" { value.append("'"); at += 2; continue }
                    closed = true
                    at += 1
                    break
                }
                if chars[at] == "\\", at + 1 < chars.count { at += 1 }
                value.append(chars[at])
                at += 1
            }
            guard closed else {
                throw ConfgateError(.badInput, "unterminated quoted value for `\(name)`",
                                    at: SourceLocation(file: file, line: line, column: valueColumn))
            }
        } else {
            while at < chars.count, chars[at] != "#", chars[at] != " ", chars[at] != "\t", chars[at] != "\r" { value.append(chars[at]); at += 1 }
        }
        let comment = LineComment.after(column: at + 1, onLine: 1, in: String(chars), marker: "#")
        return (name, SourcedValue(text: value, name: name,
                                   keyLocation: SourceLocation(file: file, line: line, column: keyColumn),
                                   location: SourceLocation(file: file, line: line, column: valueColumn), comment: comment))
    }
}
