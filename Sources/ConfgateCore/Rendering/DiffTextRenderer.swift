/// `confgate diff --format text`: aligned columns for a terminal or a CI log.
public struct DiffTextRenderer: Sendable {
    public var style: TextStyle

    public init(style: TextStyle = .plain) { self.style = style }

    /// The whole report, ending with a newline.
    public func render(_ diff: SettingsDiff) -> String {
        var lines: [String] = []
        let from = diff.current.file ?? "(defaults)", to = diff.proposed.file ?? "(defaults)"
        lines.append(style.bold("confgate diff: \(from) → \(to)"))
        lines.append("")
        lines += changes(diff)
        if !diff.equivalents.isEmpty {
            lines.append("")
            lines += equivalents(diff)
        }
        lines.append("")
        lines += figures(diff)
        lines.append("")
        lines += capacity(diff)
        return lines.joined(separator: "\n") + "\n"
    }

    private func changes(_ diff: SettingsDiff) -> [String] {
        guard !diff.changes.isEmpty else {
            return [style.bold("No setting changed in meaning.")]
        }
        let count = diff.changes.count
        var lines = [style.bold("\(count) setting\(count == 1 ? "" : "s") changed")]
        // Where a value came from, when a fleet map read it from a service's own file.
        let file = diff.proposed.settings.file
        func whereSet(_ change: SettingsDiff.KeyChange) -> String? {
            guard let location = change.proposed.location ?? change.current.location, location.file != file,
                  location.file != diff.current.settings.file else { return nil }
            return "at \(location)"
        }
        let showWhere = diff.changes.contains { $0.kind != .dsn && whereSet($0) != nil }
        var table = TextTable(showWhere ? [.left, .left, .left, .left] : [.left, .left, .left])
        var dsnChange: SettingsDiff.KeyChange?
        for change in diff.changes {
            if change.kind == .dsn {
                dsnChange = change
                continue
            }
            table.add([change.key, Self.transition(change), change.unit] + (showWhere ? [whereSet(change) ?? ""] : []))
        }
        lines += table.lines { _, column, text in column == 1 ? style.yellow(text) : text }
        if let dsnChange { lines += dsn(dsnChange) }
        return lines
    }

    private func dsn(_ change: SettingsDiff.KeyChange) -> [String] {
        var lines = ["  \(change.key)" + (change.note.map { " (\($0))" } ?? "")]
        var table = TextTable([.left, .left])
        for parameter in change.parameters ?? [] {
            let old = parameter.current ?? "(unset)", new = parameter.proposed ?? "(unset)"
            table.add([parameter.keyword, "\(old) → \(new)"])
        }
        lines += table.lines(indent: "      ") { _, column, text in column == 1 ? style.yellow(text) : text }
        return lines
    }

    private func equivalents(_ diff: SettingsDiff) -> [String] {
        let count = diff.equivalents.count
        var lines = [style.bold("\(count) setting\(count == 1 ? "" : "s") unchanged in meaning, written differently")]
        var table = TextTable([.left, .left])
        for change in diff.equivalents {
            let text = change.kind == .dsn
                ? (change.note ?? (change.current.isDefault ? "none → set" : "set → none"))
                : "\(Self.written(change.current)) = \(Self.written(change.proposed))"
            table.add([change.key, text])
        }
        lines += table.lines { _, _, text in style.dim(text) }
        return lines
    }

    private func figures(_ diff: SettingsDiff) -> [String] {
        var table = TextTable([.left, .right, .right, .right])
        table.add(["Connections", "current", "proposed", "change"])
        for figure in diff.figures {
            table.add([
                "  " + figure.label,
                Self.figure(figure.current, percent: figure.currentPercent),
                Self.figure(figure.proposed, percent: figure.proposedPercent),
                Self.signed(figure.change),
            ])
        }
        let sides = [diff.current.derived, diff.proposed.derived]
        var lines = table.lines(indent: "") { row, column, text in
            if row == 0 { return style.bold(text) }
            let figure = diff.figures[row - 1]
            guard column == 1 || column == 2 else { return text }
            let value = column == 1 ? figure.current : figure.proposed
            return sides[column - 1].exceeds(figure: figure.name, value: value) ? style.red(text) : text
        }
        lines.append("")
        let a = Self.usableFormula(diff.current.settings), b = Self.usableFormula(diff.proposed.settings)
        if a == b {
            lines.append(style.dim("  usable = \(a)"))
        } else {
            lines.append(style.dim("  usable, current  = \(a)"))
            lines.append(style.dim("  usable, proposed = \(b)"))
        }
        lines.append(style.dim("  steady demand = instances × max_size; deploy demand = (instances + max_surge) × max_size"))
        if !diff.current.settings.namedPools.isEmpty || !diff.proposed.settings.namedPools.isEmpty {
            lines.append(style.dim("  max_size counts every pool of a process: current \(diff.current.settings.maxSizeNamedText), "
                + "proposed \(diff.proposed.settings.maxSizeNamedText)"))
        }
        if diff.figures.contains(where: { $0.name == "server_demand" }) {
            lines.append(style.dim("  with a pooler, demand meets its client capacity (instances × max_client_conn) and server demand = "
                + "pooler instances × (default_pool_size + reserve_pool_size), capped by max_db_connections"))
        }
        return lines
    }

    private func capacity(_ diff: SettingsDiff) -> [String] {
        var lines: [String] = []
        for (name, side) in [("proposed", diff.proposed), ("current", diff.current)] {
            let problems = diff.problems.filter { $0.side == name }
            if problems.isEmpty {
                let d = side.derived
                if let tier = d.pooler {
                    lines.append(style.green("✓ \(name): deploy demand \(d.deployDemand) fits the pooler's client capacity \(tier.clientCapacity); "
                        + "its server connections \(tier.serverConnections) fit usable \(d.usable) (headroom \(tier.serverHeadroom))"))
                    continue
                }
                let percent = Derived.percent(d.deployHeadroom, of: d.usable).map { Self.percent($0) } ?? "-"
                lines.append(style.green("✓ \(name): deploy demand \(d.deployDemand) fits usable \(d.usable) "
                    + "(headroom \(d.deployHeadroom), \(percent))"))
            }
            for problem in problems {
                lines.append(style.red("✗ \(name): \(problem.message)"))
                lines.append("    " + Self.consequence(problem.kind))
            }
        }
        return lines
    }

    // MARK: - Formatting shared with the Markdown renderer

    /// A value in a change: `20`, or `10 (default)`.
    static func shown(_ value: SettingsDiff.Value) -> String {
        guard value.isDefault else { return value.text }
        return value.text + (value.defaultNote.map { " (default, \($0))" } ?? " (default)")
    }

    /// `15 → 20`, `10 (default) → 20`, or, when a default follows another key on both
    /// sides, `15 → 20 (default, follows max_size)`.
    static func transition(_ change: SettingsDiff.KeyChange) -> String {
        let a = change.current, b = change.proposed
        if a.isDefault, b.isDefault, let note = b.defaultNote, a.defaultNote == note {
            return "\(a.text) → \(b.text) (default, \(note))"
        }
        return "\(shown(a)) → \(shown(b))"
    }

    /// A value as its file spelt it: `2000ms`, or `30s (default)`.
    static func written(_ value: SettingsDiff.Value) -> String {
        value.isDefault ? shown(value) : (value.written ?? value.text)
    }

    static func figure(_ value: Int, percent: Double?) -> String {
        guard let percent else { return "\(value)" }
        return "\(value) (\(Self.percent(percent)))"
    }

    static func percent(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return (rounded == rounded.rounded() ? "\(Int(rounded))" : "\(rounded)") + "%"
    }

    static func signed(_ value: Int) -> String { value > 0 ? "+\(value)" : "\(value)" }

    static func usableFormula(_ settings: Settings) -> String {
        let s = settings.server
        let usable = s.maxConnections - s.superuserReservedConnections - s.reservedConnections - s.otherClients
        return "max_connections \(s.maxConnections) − superuser_reserved_connections \(s.superuserReservedConnections)"
            + " − reserved_connections \(s.reservedConnections) − other_clients \(s.otherClients) = \(usable)"
    }

    static func consequence(_ kind: SettingsDiff.Problem.Kind) -> String {
        switch kind {
        case .steadyExceedsUsable:
            "in normal running, connections beyond the limit are refused: "
                + "\"FATAL: sorry, too many clients already\" (SQLSTATE 53300)"
        case .deployExceedsUsable:
            "during a rolling deploy the surge instances' connections are refused (SQLSTATE 53300)"
        case .nothingUsable:
            "every connection the fleet opens is refused"
        case .clientsExceedPooler:
            "the pooler refuses the connections beyond max_client_conn: \"no more connections allowed (max_client_conn)\""
        case .poolerExceedsUsable:
            "when the pooler fills its server pools, the server refuses the rest (SQLSTATE 53300) and waiting clients fail"
        }
    }
}
