import Yams

/// Flat `a.b.c = value` properties, as Spring and HikariCP see a configuration: keys in
/// Spring's canonical relaxed form (lower case, no `-` or `_` inside a segment), so that
/// `maximum-pool-size`, `maximumPoolSize`, `maximum_pool_size` and the environment's
/// `SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE` are one key. Later sets win.
struct PropertyMap: Sendable {
    var values: [String: SourcedValue] = [:]
    /// Each key as the file first wrote it (`app.datasource.read-replica.maximum-pool-size`),
    /// by its canonical form, for a key confgate writes back (`confgate init`'s `prefix`).
    var spellings: [String: String] = [:]

    /// Spring's relaxed binding: `spring.datasource.hikari.maximum-pool-size` →
    /// `spring.datasource.hikari.maximumpoolsize`.
    static func canonical(_ name: String) -> String {
        name.split(separator: ".", omittingEmptySubsequences: false)
            .map { $0.lowercased().filter { $0 != "-" && $0 != "_" } }
            .joined(separator: ".")
    }

    /// An environment variable's property name: `SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE` →
    /// `spring.datasource.hikari.maximumpoolsize` (underscores become dots, as Spring binds them).
    static func canonical(environment name: String) -> String {
        name.lowercased().replacingOccurrences(of: "_", with: ".").filter { $0 != "-" }
    }

    subscript(name: String) -> SourcedValue? { values[Self.canonical(name)] }

    mutating func set(_ name: String, _ value: SourcedValue) {
        let key = Self.canonical(name)
        values[key] = value
        if spellings[key] == nil { spellings[key] = name }
    }

    /// Adds every entry of `other`, which wins.
    mutating func overlay(_ other: PropertyMap) {
        values.merge(other.values) { _, new in new }
        spellings.merge(other.spellings) { old, _ in old }
    }

    /// Every property under `prefix` (canonical), keyed by the rest of its name.
    func children(of prefix: String) -> [String: SourcedValue] {
        let start = Self.canonical(prefix) + "."
        var out: [String: SourcedValue] = [:]
        for (key, value) in values where key.hasPrefix(start) {
            out[String(key.dropFirst(start.count))] = value
        }
        return out
    }

    // MARK: - From YAML

    /// The properties of one YAML document: nested mappings joined with dots, sequence items as
    /// `[i]`, merge keys (`<<: *defaults`) applied under the explicit keys.
    static func flatten(_ node: Node, in yaml: YAMLFile, via: String? = nil) -> PropertyMap {
        var map = PropertyMap()
        walk(node, prefix: "", keyNode: nil, into: &map, yaml: yaml, via: via)
        return map
    }

    private static func walk(_ node: Node, prefix: String, keyNode: Node?, into map: inout PropertyMap,
                             yaml: YAMLFile, via: String?) {
        switch node {
        case .mapping(let mapping):
            // Merge keys first, so the mapping's own keys win.
            for pair in mapping where pair.key.scalar?.string == "<<" {
                for source in pair.value.sequence.map(Array.init) ?? [pair.value] {
                    walk(source, prefix: prefix, keyNode: keyNode, into: &map, yaml: yaml, via: via)
                }
            }
            for pair in mapping where pair.key.scalar?.string != "<<" {
                guard let key = pair.key.scalar?.string else { continue }
                walk(pair.value, prefix: prefix.isEmpty ? key : "\(prefix).\(key)", keyNode: pair.key,
                     into: &map, yaml: yaml, via: via)
            }
        case .sequence(let sequence):
            for (index, item) in sequence.enumerated() {
                walk(item, prefix: "\(prefix)[\(index)]", keyNode: keyNode, into: &map, yaml: yaml, via: via)
            }
        case .scalar(let scalar):
            guard !prefix.isEmpty else { return }
            // `key:` with nothing after it is null, not the text "null"/"~".
            if scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) { return }
            map.set(prefix, SourcedValue(
                text: scalar.string, name: prefix.split(separator: ".").last.map(String.init) ?? prefix,
                keyLocation: yaml.location(keyNode ?? node), location: yaml.location(node),
                comment: yaml.comment(after: node), via: via))
        case .alias:
            return
        }
    }

    // MARK: - From .properties

    /// A Spring `.properties` file split into documents at lines that are exactly `#---` or
    /// `!---` (Spring Boot 2.4+), each read with the file's real line numbers.
    static func propertiesDocuments(_ text: String, file: String, via: String? = nil) -> [PropertyMap] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var documents: [PropertyMap] = []
        var chunk: [Substring] = []
        var firstLine = 1
        for (index, line) in lines.enumerated() {
            let bare = line.hasSuffix("\r") ? line.dropLast() : line
            if bare == "#---" || bare == "!---" {
                documents.append(properties(chunk.joined(separator: "\n"), file: file, via: via, firstLine: firstLine))
                chunk = []
                firstLine = index + 2
            } else {
                chunk.append(line)
            }
        }
        documents.append(properties(chunk.joined(separator: "\n"), file: file, via: via, firstLine: firstLine))
        return documents
    }

    /// A Java `.properties` file: `key=value`, `key: value` or `key value`; `#` and `!`
    /// comments; a `\` at the end of a line continues it; `\` escapes.
    static func properties(_ text: String, file: String, via: String? = nil, firstLine: Int = 1) -> PropertyMap {
        var map = PropertyMap()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            Array($0.hasSuffix("\r") ? $0.dropLast() : $0)
        }
        var index = 0
        while index < lines.count {
            let chars = lines[index]
            let lineNumber = index + firstLine
            index += 1
            var at = 0
            while at < chars.count, chars[at] == " " || chars[at] == "\t" || chars[at] == "\u{0C}" { at += 1 }
            guard at < chars.count, chars[at] != "#", chars[at] != "!" else { continue }
            let keyColumn = at + 1
            var key = ""
            while at < chars.count, !" \t\u{0C}=:".contains(chars[at]) {
                if chars[at] == "\\", at + 1 < chars.count { at += 1 }
                key.append(chars[at])
                at += 1
            }
            while at < chars.count, chars[at] == " " || chars[at] == "\t" { at += 1 }
            if at < chars.count, chars[at] == "=" || chars[at] == ":" { at += 1 }
            while at < chars.count, chars[at] == " " || chars[at] == "\t" { at += 1 }
            let valueColumn = at + 1
            var value = ""
            var line = chars
            while true {
                var continued = false
                while at < line.count {
                    if line[at] == "\\" {
                        if at + 1 == line.count { continued = true; break }
                        at += 1
                        switch line[at] {
                        case "t": value.append("\t")
                        case "n": value.append("\n")
                        case "r": value.append("\r")
                        default: value.append(line[at])
                        }
                    } else {
                        value.append(line[at])
                    }
                    at += 1
                }
                guard continued, index < lines.count else { break }
                line = lines[index]
                index += 1
                at = 0
                while at < line.count, line[at] == " " || line[at] == "\t" { at += 1 }
            }
            // Java keeps trailing blanks; a number with them would not bind, but nobody means them.
            map.set(key, SourcedValue(
                text: value.trimmingBlanks, name: key,
                keyLocation: SourceLocation(file: file, line: lineNumber, column: keyColumn),
                location: SourceLocation(file: file, line: lineNumber, column: valueColumn), via: via))
        }
        return map
    }
}
