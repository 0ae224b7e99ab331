/// The report's "settings change" section: the keys whose meaning changed, with where each
/// side set them, and the connection budget of both sides as bars.
enum ReportSettingsChange {
    static func render(_ r: VerifyResult) -> String {
        var out = ""
        if r.changes.isEmpty {
            out += "<p>No key changed its meaning: both files say the same.</p>\n"
        } else {
            let rows: [[String]] = r.changes.flatMap { change -> [[String]] in
                let row = [change.key, shown(change.current), shown(change.proposed),
                           origin(change.current), origin(change.proposed),
                           [change.unit, change.note ?? ""].filter { !$0.isEmpty }.joined(separator: "; ")]
                let parameters = (change.parameters ?? []).map { p in
                    ["  \(change.key) · \(p.keyword)", p.current ?? "(unset)", p.proposed ?? "(unset)", "", "", "libpq parameter"]
                }
                return [row] + parameters
            }
            out += HTML.table(["key", "current", "proposed", "set at (current)", "set at (proposed)", "note"], rows)
        }
        let sides = [("current", r.current, ReportPalette.current), ("proposed", r.proposed, ReportPalette.proposed)]
        let pooled = r.current.derived.pooler != nil || r.proposed.derived.pooler != nil
        let chart = SVGBudgetChart(
            id: "chart-budget", title: pooled ? "Connection budget: demand against the pooler's client capacity, its server pools against usable"
                : "Connection budget: fleet demand against usable connections",
            sides: sides.map { name, side, style in
                .init(name: "\(name): \(side.settings.fleet.instances) instances\(side.settings.fleet.processesFactor) × \(side.settings.maxSizeNamedText), max_surge \(side.settings.fleet.maxSurge)",
                      style: style, usable: side.derived.usable, maxConnections: side.settings.server.maxConnections,
                      steadyDemand: side.derived.steadyDemand, deployDemand: side.derived.deployDemand, pooler: side.derived.pooler)
            })
        out += "<figure>\n" + chart.render() + "\n</figure>\n"
        out += "<p>" + HTML.escape(sides.map { name, side, _ in "\(name): \(usableArithmetic(side.settings.server, side.derived.usable))" }.joined(separator: "; ")) + ".</p>\n"
        for (name, side, _) in sides {
            if let tier = ReportPooler.tierText(side.settings, side.derived) { out += "<p>" + HTML.escape("\(name.capitalized): the fleet connects \(tier).") + "</p>\n" }
        }
        let rows = r.figures.map { f in
            [f.label, "\(f.current)", "\(f.proposed)", VerifyTextRenderer.signed(f.change)]
        }
        out += HTML.dataTable("Data: connection budget", ["figure", "current", "proposed", "change"], rows)
        return out
    }

    /// `usable 97 = max_connections 100 − superuser_reserved 3`, naming only the terms that
    /// are not zero.
    static func usableArithmetic(_ s: Settings.Server, _ usable: Int) -> String {
        var text = "usable \(usable) = max_connections \(s.maxConnections)"
        if s.superuserReservedConnections != 0 { text += " − superuser_reserved \(s.superuserReservedConnections)" }
        if s.reservedConnections != 0 { text += " − reserved \(s.reservedConnections)" }
        if s.otherClients != 0 { text += " − other_clients \(s.otherClients)" }
        return text
    }

    /// `20`, `20 (written 20)`, `10 (default: follows max_size)`.
    static func shown(_ v: SettingsDiff.Value) -> String {
        var text = v.text
        if let written = v.written { text += " (written \(written))" }
        if v.isDefault { text += " (default\(v.defaultNote.map { ": \($0)" } ?? ""))" }
        return text
    }

    /// `fixtures/outage.conf:9:12`, or `default`.
    static func origin(_ v: SettingsDiff.Value) -> String {
        v.location.map(\.description) ?? "default"
    }
}
