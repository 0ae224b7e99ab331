/// PgBouncer's own configuration, `pgbouncer.ini`: the `[pgbouncer]` section's pool settings,
/// and the service's entry under `[databases]`, whose `pool_size`, `reserve_pool`,
/// `max_db_connections` and `pool_mode` win over the section's defaults for that database.
/// `%include` is followed. Reading the file puts a pooler in front of the fleet
/// (`pooler.kind = pgbouncer`, at the `[pgbouncer]` header), even when it sets nothing else.
///
/// PgBouncer writes its durations as seconds (`query_wait_timeout = 120`, fractions allowed);
/// each is bound with its unit (`120s`) so the catalog's reader checks it like any duration.
public struct PgBouncerIniSource: Sendable {
    /// The `[pgbouncer]` settings confgate reads, the key each sets, and whether it is seconds.
    static let settings: [(name: String, path: String, seconds: Bool)] = [
        ("pool_mode", "pooler.pool_mode", false),
        ("max_client_conn", "pooler.max_client_conn", false),
        ("default_pool_size", "pooler.default_pool_size", false),
        ("min_pool_size", "pooler.min_pool_size", false),
        ("reserve_pool_size", "pooler.reserve_pool_size", false),
        ("reserve_pool_timeout", "pooler.reserve_pool_timeout", true),
        ("max_db_connections", "pooler.max_db_connections", false),
        ("max_user_connections", "pooler.max_user_connections", false),
        ("server_idle_timeout", "pooler.server_idle_timeout", true),
        ("server_lifetime", "pooler.server_lifetime", true),
        ("query_wait_timeout", "pooler.query_wait_timeout", true),
    ]

    /// A `[databases]` entry's parameters that override a `[pgbouncer]` setting for that database.
    static let databaseOverrides: [(parameter: String, setting: String)] = [
        ("pool_size", "default_pool_size"), ("reserve_pool", "reserve_pool_size"),
        ("max_db_connections", "max_db_connections"), ("pool_mode", "pool_mode"),
    ]

    /// The `[databases]` entry the fleet connects through (a fleet map's `workload`); `nil`: the
    /// only entry, or none when there are several (then a note asks for one).
    public var database: String?

    public init(database: String? = nil) { self.database = database }

    /// One `name = value` line of a section.
    private struct Line {
        var section: String?
        var name: String
        var value: SourcedValue
    }

    /// Reads `paths` in order; a later file's setting wins.
    public func read(_ paths: [String], files: FileAccess) throws(ConfgateError) -> SourceReading {
        var lines: [Line] = []
        var header: SourceLocation?
        for path in paths { try Self.file(path, files: files, depth: 0, section: nil, lines: &lines, header: &header) }
        var reading = SourceReading()
        guard let header else {
            reading.note("no [pgbouncer] section in \(paths.joined(separator: ", ")): PgBouncer's defaults apply")
            let at = SourceLocation(file: paths.first ?? "pgbouncer.ini", line: 1, column: 1)
            reading.bind("pooler.kind", "pgbouncer", SourcedValue(text: "pgbouncer", name: "pgbouncer.ini", keyLocation: at, location: at))
            return reading
        }
        reading.bind("pooler.kind", "pgbouncer", SourcedValue(text: "pgbouncer", name: "[pgbouncer]", keyLocation: header, location: header,
                                                              via: "a pgbouncer.ini"))
        for line in lines where line.section == "pgbouncer" {
            guard let setting = Self.settings.first(where: { $0.name == line.name }) else { continue }
            reading.bind(setting.path, Self.text(line.value.text, seconds: setting.seconds), line.value)
        }
        try databaseEntry(lines, into: &reading)
        return reading
    }

    /// Applies the service's `[databases]` entry: its overrides, with where they came from.
    private func databaseEntry(_ lines: [Line], into reading: inout SourceReading) throws(ConfgateError) {
        let entries = lines.filter { $0.section == "databases" }
        let named = entries.filter { $0.name != "*" }
        let chosen: Line?
        if let database {
            chosen = entries.first { $0.name == database.lowercased() } ?? entries.first { $0.name == "*" }
            if chosen == nil {
                reading.note("no [databases] entry `\(database)` (nor `*`): the [pgbouncer] defaults apply to it")
            }
        } else if named.count == 1 {
            chosen = named[0]
        } else {
            chosen = entries.first { $0.name == "*" } ?? nil
            if named.count > 1 {
                reading.note("several [databases] entries (\(named.map(\.name).joined(separator: ", "))): their own pool settings are not read; "
                    + "name the service's with `workload = NAME` beside the source", at: named[0].value.keyLocation)
            }
        }
        guard let chosen else { return }
        for word in ShellWords.split(chosen.value.text) {
            guard let equals = word.firstIndex(of: "=") else { continue }
            let parameter = word[..<equals].lowercased()
            guard let override = Self.databaseOverrides.first(where: { $0.parameter == parameter }),
                  let setting = Self.settings.first(where: { $0.name == override.setting }) else { continue }
            let text = String(word[word.index(after: equals)...])
            var at = chosen.value.location
            if let offset = chosen.value.text.range(of: String(word)).map({ chosen.value.text.distance(from: chosen.value.text.startIndex, to: $0.lowerBound) }) {
                at.column += offset + parameter.count + 1
            }
            let value = SourcedValue(text: text, name: "\(chosen.name) \(parameter)", keyLocation: chosen.value.keyLocation, location: at,
                                     via: "[databases] \(chosen.name) \(parameter), which wins over [pgbouncer] \(setting.name)")
            reading.bind(setting.path, Self.text(text, seconds: setting.seconds), value)
        }
    }

    /// `120` → `120s`, `0.5` → `0.5s`; other text as written, for the key's reader to judge.
    static func text(_ value: String, seconds: Bool) -> String {
        guard seconds, !value.isEmpty, value.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) else { return value }
        return value + "s"
    }

    private static func file(
        _ path: String, files: FileAccess, depth: Int, section: String?, lines: inout [Line], header: inout SourceLocation?
    ) throws(ConfgateError) {
        guard depth < 10 else { throw ConfgateError(.badInput, "%include nested more than 10 deep at \(path): an include loop?") }
        var section = section
        let text = try files.read(path)
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let chars = Array(raw)
            var start = 0
            while start < chars.count, chars[start] == " " || chars[start] == "\t" { start += 1 }
            guard start < chars.count, chars[start] != ";", chars[start] != "#", chars[start] != "\r" else { continue }
            let body = String(chars[start...]).trimmingBlanks
            if body.hasPrefix("%include") {
                let target = String(body.dropFirst("%include".count)).trimmingBlanks
                try file(PathText.resolve(target, besideFile: path), files: files, depth: depth + 1, section: section, lines: &lines, header: &header)
                continue
            }
            if body.hasPrefix("[") {
                guard let close = body.firstIndex(of: "]") else {
                    throw ConfgateError(.badInput, "a section header needs its closing `]`",
                                        at: SourceLocation(file: path, line: lineNumber, column: start + 1))
                }
                let name = body[body.index(after: body.startIndex)..<close].trimmingBlanks.lowercased()
                section = name
                if name == "pgbouncer", header == nil { header = SourceLocation(file: path, line: lineNumber, column: start + 1) }
                continue
            }
            guard let equals = chars[start...].firstIndex(of: "=") else {
                throw ConfgateError(.badInput, "expected `name = value`", at: SourceLocation(file: path, line: lineNumber, column: start + 1),
                                    details: ["pgbouncer.ini lines are `name = value`, `[section]`, `%include FILE` or comments (`;`, `#`)"])
            }
            let name = String(chars[start..<equals]).trimmingBlanks.lowercased()
            var valueStart = equals + 1
            while valueStart < chars.count, chars[valueStart] == " " || chars[valueStart] == "\t" { valueStart += 1 }
            let value = String(chars[min(valueStart, chars.count)...]).trimmingBlanks
            let keyAt = SourceLocation(file: path, line: lineNumber, column: start + 1)
            let valueAt = SourceLocation(file: path, line: lineNumber, column: valueStart + 1)
            lines.append(Line(section: section, name: name, value: SourcedValue(text: value, name: name, keyLocation: keyAt, location: valueAt)))
        }
    }
}
