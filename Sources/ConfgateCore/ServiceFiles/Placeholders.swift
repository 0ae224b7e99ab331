/// Spring's `${NAME}` and `${NAME:default}` placeholders, resolved from the fleet's
/// environment (a container's `env`, `--env KEY=VALUE`), then from the other properties,
/// then from the default; each resolution says which it used.
struct Placeholders {
    /// Environment variables by exact name, with where each was set.
    var environment: [String: SourcedValue]
    var properties: PropertyMap

    /// `value` with every placeholder resolved. When the whole value is one placeholder
    /// resolved from the environment, the result's location is the environment entry's (the
    /// number was written there) and `via` names the placeholder; a default says so.
    /// Throws `.badInput` at the value for an unresolvable or self-referencing placeholder.
    func resolve(_ value: SourcedValue) throws(ConfgateError) -> SourcedValue {
        guard value.text.contains("${") else { return value }
        var used: [String] = []
        var origin: SourcedValue?
        let text = try expand(value.text, at: value, seen: [], used: &used, origin: &origin)
        var resolved = value.with(text: text)
        let whole = value.text.hasPrefix("${") && value.text.hasSuffix("}") && used.count == 1
        if whole, let origin {
            resolved = origin.with(text: text)
            resolved.via = "`\(value.text)` at \(value.location)" + (origin.via.map { ", \($0)" } ?? "")
        } else {
            resolved.via = ([value.via].compactMap { $0 } + used).joined(separator: "; ")
        }
        return resolved
    }

    private func expand(_ text: String, at value: SourcedValue, seen: Set<String>, used: inout [String],
                        origin: inout SourcedValue?) throws(ConfgateError) -> String {
        var out = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            out += rest[..<start.lowerBound]
            // Find the matching `}` (defaults may hold placeholders).
            var depth = 1
            var index = start.upperBound
            while index < rest.endIndex, depth > 0 {
                if rest[index...].hasPrefix("${") { depth += 1; index = rest.index(after: index) }
                else if rest[index] == "}" { depth -= 1 }
                if depth > 0 { index = rest.index(after: index) }
            }
            guard index < rest.endIndex else {
                throw ConfgateError(.badInput, "unterminated placeholder in `\(value.name)`: `\(text)`", at: value.location)
            }
            let body = String(rest[start.upperBound..<index])
            rest = rest[rest.index(after: index)...]
            let (name, fallback) = split(body)
            if seen.contains(name) {
                throw ConfgateError(.badInput, "placeholder `${\(name)}` in `\(value.name)` refers to itself",
                                    at: value.location, details: ["give it a value in the environment or a literal default"])
            }
            if let env = environment[name] ?? environment[name.uppercased().replacingOccurrences(of: ".", with: "_").replacingOccurrences(of: "-", with: "")] {
                used.append("`${\(name)}` from environment \(env.name) at \(env.location)")
                origin = env
                out += try expand(env.text, at: env, seen: seen.union([name]), used: &used, origin: &origin)
            } else if let property = properties[name] {
                used.append("`${\(name)}` from \(property.location)")
                origin = property
                out += try expand(property.text, at: property, seen: seen.union([name]), used: &used, origin: &origin)
            } else if let fallback {
                used.append("`${\(name)}` not set: its default `\(fallback)`")
                origin = nil
                out += try expand(fallback, at: value, seen: seen, used: &used, origin: &origin)
            } else {
                throw ConfgateError(
                    .badInput, "placeholder `${\(name)}` in `\(value.name)` has no value", at: value.location,
                    details: ["set \(name) in the container's env, pass `--env \(name)=VALUE`, or give a default: `${\(name):VALUE}`"])
            }
        }
        return out + rest
    }

    private func split(_ body: String) -> (String, String?) {
        guard let colon = body.firstIndex(of: ":") else { return (body, nil) }
        return (String(body[..<colon]), String(body[body.index(after: colon)...]))
    }
}
