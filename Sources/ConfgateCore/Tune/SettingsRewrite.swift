/// Writes a settings file with one key's value changed, keeping every other line, comment
/// and quote as written (settings files are line-oriented). The key's line is found through
/// `Settings.origins`; a key the file does not set (its default, or a value from a source
/// file a fleet map names) is added as a literal line under its section, which wins over a
/// source, or in a new section at the end.
public enum SettingsRewrite {
    public static func replacing(
        _ key: String, with value: String, in text: String, settings: Settings, path: String
    ) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let parts = key.split(separator: ".").map(String.init)
        let section = parts[0], name = parts[1]
        if let origin = settings.origins[key], origin.value.file == path, origin.value.line - 1 < lines.count,
           let written = origin.text {
            var line = Array(lines[origin.value.line - 1])
            let start = origin.value.column - 1
            guard start < line.count else { return text }
            let quoted = line[start] == "\"" || line[start] == "'"
            let length = written.count + (quoted ? 2 : 0)
            let end = min(start + length, line.count)
            let replacement = quoted ? "\(line[start])\(value)\(line[start])" : value
            // Keep a trailing comment aligned where there was room for it.
            let pad = max(0, length - replacement.count)
            var rest = Array(line[end...])
            if rest.first == " " || rest.isEmpty { rest = Array(String(repeating: " ", count: rest.isEmpty ? 0 : pad)) + rest }
            line.replaceSubrange(start..<line.count, with: Array(replacement) + rest)
            lines[origin.value.line - 1] = String(line)
            return lines.joined(separator: "\n")
        }
        if let header = settings.sections[section], header.file == path, header.line - 1 < lines.count {
            lines.insert("\(name) = \(value)                             # confgate tune", at: header.line)
            return lines.joined(separator: "\n")
        }
        var out = lines.joined(separator: "\n")
        if !out.hasSuffix("\n") { out += "\n" }
        return out + "\n[\(section)]\n\(name) = \(value)                             # confgate tune\n"
    }
}
