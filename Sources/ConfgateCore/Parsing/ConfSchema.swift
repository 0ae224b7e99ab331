/// One key a file may set: its section, its name, and how its value is stored.
struct ConfKey<Model>: Sendable {
    var section: String
    var name: String
    /// Whether the value may hold a secret: then it is never copied into `KeyOrigin.text`.
    var secret = false
    /// What docs/settings.md says of it (a test holds the two together).
    var doc: KeyDoc?
    /// Reads the value into the model, or throws a located `.badInput` error.
    var apply: @Sendable (ConfValue, inout Model) throws(ConfgateError) -> Void

    var path: String { "\(section).\(name)" }

    init(section: String, name: String, secret: Bool = false, doc: KeyDoc? = nil,
         apply: @escaping @Sendable (ConfValue, inout Model) throws(ConfgateError) -> Void) {
        self.section = section
        self.name = name
        self.secret = secret
        self.doc = doc
        self.apply = apply
    }
}

/// A key's row in docs/settings.md: what it means, its unit, and its default as written in a
/// file (which a test reads back through the key itself and compares with the model's default).
struct KeyDoc: Hashable, Sendable {
    var meaning: String
    var unit: String?
    var defaultText: String
}

/// The keys of one kind of file, and the reader that checks a `ConfDocument` against them:
/// unknown sections and keys (with "did you mean"), keys outside a section, keys in the
/// wrong section, keys given twice.
struct ConfSchema<Model>: Sendable {
    /// "settings file" or "gate file", for messages.
    var fileKind: String
    var keys: [ConfKey<Model>]
    /// Names other tools use for our keys (e.g. HikariCP's `maximumPoolSize`), keyed by
    /// the foreign name in lower case, with our key's path and the tool's name.
    var aliases: [String: (path: String, origin: String)] = [:]

    /// Section names in the order the keys list them.
    var sections: [String] {
        var seen: [String] = []
        for key in keys where !seen.contains(key.section) { seen.append(key.section) }
        return seen
    }

    /// What reading a file produced besides the model.
    struct Provenance {
        var origins: [String: KeyOrigin] = [:]
        var sections: [String: SourceLocation] = [:]
    }

    /// Applies every entry of `document` to `model`, in file order; stops at the first error.
    func read(_ document: ConfDocument, into model: inout Model) throws(ConfgateError) -> Provenance {
        var provenance = Provenance()
        for item in document.items {
            switch item {
            case .header(let header):
                guard sections.contains(header.name) else { throw unknownSection(header) }
                if provenance.sections[header.name] == nil {
                    provenance.sections[header.name] = header.location
                }
            case .entry(let entry):
                let key = try lookUp(entry)
                if let first = provenance.origins[key.path] {
                    throw ConfgateError(.badInput, "`\(entry.key)` is set twice in [\(key.section)]",
                                        at: entry.keyLocation, details: ["first set at \(first.key)"])
                }
                let value = ConfValue(text: entry.value, location: entry.valueLocation, key: entry.key,
                                      quoted: entry.quoted)
                try key.apply(value, &model)
                provenance.origins[key.path] = KeyOrigin(
                    key: entry.keyLocation, value: entry.valueLocation, comment: entry.comment,
                    text: key.secret ? nil : entry.value)
            }
        }
        return provenance
    }

    private func unknownSection(_ header: ConfDocument.Header) -> ConfgateError {
        var message = "unknown section [\(header.name)]"
        if let suggestion = Suggestion.closest(to: header.name, among: sections) {
            message += "; did you mean [\(suggestion)]?"
        }
        let known = sections.map { "[\($0)]" }.joined(separator: ", ")
        return ConfgateError(.badInput, message, at: header.nameLocation,
                             details: ["a \(fileKind) has the sections \(known)"])
    }

    private func lookUp(_ entry: ConfDocument.Entry) throws(ConfgateError) -> ConfKey<Model> {
        let home = keys.first { $0.name == entry.key }
        guard let section = entry.section else {
            if let home {
                throw ConfgateError(.badInput, "`\(entry.key)` is outside any section: put it under [\(home.section)]",
                                    at: entry.keyLocation)
            }
            throw ConfgateError(.badInput, "`\(entry.key)` is outside any section",
                                at: entry.keyLocation,
                                details: ["start the file with a section header such as [\(sections[0])]"])
        }
        if let key = keys.first(where: { $0.section == section && $0.name == entry.key }) { return key }
        if let home {
            throw ConfgateError(.badInput, "`\(entry.key)` belongs in [\(home.section)], not [\(section)]",
                                at: entry.keyLocation)
        }
        var message = "unknown key `\(entry.key)` in [\(section)]"
        var details: [String] = []
        let local = keys.filter { $0.section == section }
        if let alias = aliases[entry.key.lowercased()] {
            let name = alias.path.split(separator: ".").last.map(String.init) ?? alias.path
            let aliasSection = alias.path.split(separator: ".").first.map(String.init) ?? section
            let here = aliasSection == section || section.hasPrefix(aliasSection + ".")
            message += "; did you mean `\(name)`" + (here ? "" : " in [\(aliasSection)]") + "?"
            details.append("`\(entry.key)` is \(alias.origin)'s name for it")
        } else if let suggestion = Suggestion.closest(to: entry.key, among: local.map(\.name)) {
            message += "; did you mean `\(suggestion)`?"
        } else if let elsewhere = Suggestion.closest(to: entry.key, among: keys.map(\.name)),
                  let key = keys.first(where: { $0.name == elsewhere }) {
            message += "; did you mean `\(elsewhere)` in [\(key.section)]?"
        } else {
            details.append("keys in [\(section)]: " + local.map(\.name).joined(separator: ", "))
        }
        throw ConfgateError(.badInput, message, at: entry.keyLocation, details: details)
    }
}
