/// What `confgate init` writes: a fleet map naming the files in a repository that hold the
/// service's connection budget, found by their names and kinds, with the values they give.
public struct FleetMapDraft: Sendable {
    /// A source per section, e.g. `spring:src/main/resources/application.yml`.
    public var sources: [(section: String, source: String, comment: String?)] = []
    /// A section's `prefix` (a Spring datasource's, e.g. `app.datasource.replica`), by section.
    public var prefixes: [String: String] = [:]
    /// Workload name when the manifests hold several.
    public var workload: String?
    /// What the search saw and did not use, for the user.
    public var remarks: [String] = []

    /// Looks through `paths` (relative to the repository root, as listed) and picks the files.
    /// `read` gives a file's text (only YAML and properties files are read).
    public static func discover(paths: [String], read: (String) -> String?) -> FleetMapDraft {
        var draft = FleetMapDraft()
        let usable = paths.filter { path in
            let parts = path.split(separator: "/")
            // Hidden folders (.git, .github) and build or test trees are not the service's
            // configuration; a `.env` file is.
            return !parts.dropLast().contains { ["test", "tests", "node_modules", "target", "build", "vendor"].contains(String($0)) || $0.hasPrefix(".") }
                && (!(parts.last ?? "").hasPrefix(".") || parts.last == ".env")
        }.sorted { ($0.split(separator: "/").count, $0) < ($1.split(separator: "/").count, $1) }

        // Spring: application.yml/.yaml/.properties, not profile files.
        let spring = usable.filter { path in
            let name = PathText.basename(path)
            return ["application.yml", "application.yaml", "application.properties"].contains(name)
        }.sorted { ($0.contains("src/main/resources") ? 0 : 1, $0) < ($1.contains("src/main/resources") ? 0 : 1, $1) }
        if let first = spring.first {
            draft.sources.append(("database", "spring:\(first)", nil))
            draft.sources.append(("pool", "spring:\(first)", nil))
            if spring.count > 1 { draft.remarks.append("other Spring files, not used: " + spring.dropFirst().joined(separator: ", ")) }
            // Further datasources, in the file or its profile files: each a [pool.NAME].
            let files = [first] + usable.filter { Self.isProfileFile($0, of: first) }
            var properties = PropertyMap()
            for file in files { properties.overlay(Self.springProperties(file, text: read(file))) }
            let datasources = SpringDatasources(properties, files: files)
            if let main = datasources.main {
                draft.prefixes["database"] = main.prefix
                draft.prefixes["pool"] = main.prefix
            }
            for datasource in datasources.named {
                draft.sources.append(("pool.\(datasource.name)", "spring:\(first)", nil))
                draft.prefixes["pool.\(datasource.name)"] = datasource.prefix
            }
            draft.remarks += datasources.remarks
        } else if let hikari = usable.first(where: { $0.hasSuffix(".properties") && (read($0) ?? "").contains("jdbcUrl") }) {
            draft.sources.append(("pool", "hikari:\(hikari)", nil))
        }

        // Kubernetes: rendered manifests with a workload, else Helm values.
        var manifests: [String] = []
        var workloads: [String] = []
        var templates: [String] = []
        for path in usable where path.hasSuffix(".yaml") || path.hasSuffix(".yml") {
            guard let text = read(path) else { continue }
            let kinds = text.split(separator: "\n").filter { $0.hasPrefix("kind:") }.map { $0.dropFirst(5).trimmingBlanks }
            guard kinds.contains(where: { ["Deployment", "StatefulSet", "HorizontalPodAutoscaler", "ConfigMap"].contains($0) }) else { continue }
            if text.contains("{{") { templates.append(path); continue }
            workloads += Self.workloadNames(text)
            manifests.append(path)
        }
        if !manifests.isEmpty, !workloads.isEmpty {
            draft.sources.append(("fleet", "kubernetes:" + manifests.joined(separator: ", "), nil))
            if workloads.count > 1 {
                // A database's own workload is rarely the service.
                let chosen = workloads.first { !Self.looksLikeDatabase($0) } ?? workloads[0]
                draft.workload = chosen
                draft.remarks.append("several workloads (\(workloads.joined(separator: ", "))): chose \(chosen); change `workload` if another runs the service")
            }
        } else if let values = usable.first(where: { PathText.basename($0) == "values.yaml" && (read($0) ?? "").contains("replicaCount") }) {
            draft.sources.append(("fleet", "kubernetes:\(values)", nil))
        } else if let compose = usable.first(where: { path in SourceFormat.detect(path, text: { read(path) }) == .compose }) {
            // A Compose file describes the fleet, and often the database's limits and the
            // service's settings (its environment) too.
            let text = read(compose) ?? ""
            draft.sources.append(("fleet", "compose:\(compose)", nil))
            if text.contains("max_connections") { draft.sources.append(("server", "compose:\(compose)", nil)) }
            if !draft.sources.contains(where: { $0.section == "pool" }),
               text.contains("SPRING_DATASOURCE") || text.contains("DATABASE_URL") {
                draft.sources.append(("database", "compose:\(compose)", nil))
                draft.sources.append(("pool", "compose:\(compose)", nil))
            }
        }
        if !draft.sources.contains(where: { $0.section == "pool" }),
           let dotenv = usable.first(where: { PathText.basename($0) == ".env" && (read($0) ?? "").contains("DATABASE_URL") }) {
            draft.sources.append(("database", "dotenv:\(dotenv)", nil))
            draft.sources.append(("pool", "dotenv:\(dotenv)", nil))
        }
        if !templates.isEmpty {
            draft.remarks.append("unrendered Helm templates, not read: " + templates.joined(separator: ", ") + " (render with `helm template` and name the output)")
        }

        // PgBouncer.
        if let ini = usable.first(where: { path in
            let name = PathText.basename(path).lowercased()
            return name == "pgbouncer.ini" || (name.hasSuffix(".ini") && (read(path) ?? "").lowercased().contains("[pgbouncer]"))
        }) {
            draft.sources.append(("pooler", "pgbouncer:\(ini)", nil))
        }

        // PostgreSQL.
        if let conf = usable.first(where: { PathText.basename($0) == "postgresql.conf" }) {
            var source = "postgresql:\(conf)"
            let auto = PathText.resolve("postgresql.auto.conf", besideFile: conf)
            if usable.contains(auto) { source += ", \(auto)" }
            draft.sources.append(("server", source, nil))
        } else if !draft.sources.contains(where: { $0.section == "server" }), let database = manifests.first(where: { path in
            let text = read(path) ?? ""
            return text.contains("max_connections") && (text.contains("kind: Cluster") || text.contains("-c"))
        }) {
            draft.sources.append(("server", "kubernetes:\(database)", nil))
        }
        return draft
    }

    /// The map's text. `settings`, when the draft was read back, adds each section's values and where they came from.
    public func render(settings: Settings? = nil) -> String {
        var lines = [
            "# confgate fleet map, written by `confgate init`: where each number of the service's",
            "# connection budget lives. Paths are relative to this file. A literal key beside a",
            "# source overrides it (e.g. `max_connections = 200` under [server]). docs/sources.md",
        ]
        // [pooler] only when a pooler's file was found: without one the fleet connects directly.
        var named: [String] = []
        for source in sources where source.section.hasPrefix("pool.") && !named.contains(source.section) { named.append(source.section) }
        let sections = ["database", "pool"] + named + ["fleet", "server"] + (sources.contains { $0.section == "pooler" } ? ["pooler"] : [])
        for section in sections {
            let here = sources.filter { $0.section == section }
            lines.append("")
            lines.append("[\(section)]")
            if here.isEmpty {
                lines.append("# no file found for [\(section)]: its keys keep their defaults; set them here (docs/settings.md)")
                if section == "fleet" {
                    lines.append("instances = 1                             # say how many instances run")
                }
            }
            for source in here { lines.append("source = \"\(source.source)\"") }
            if let prefix = prefixes[section], !here.isEmpty { lines.append("prefix = \"\(prefix)\"") }
            if section == "fleet", let workload, !here.isEmpty { lines.append("workload = \"\(workload)\"") }
            if let settings {
                let keys = section.hasPrefix("pool.") ? SettingsCatalog.namedPoolKeys(String(section.dropFirst("pool.".count)))
                    : SettingsCatalog.keys.filter { $0.section == section }
                for key in keys {
                    guard let origin = settings.origins[key.path] else { continue }
                    let value = key.describe(settings).text
                    lines.append("#   \(key.name) = \(value)    ← \(origin.value)" + (origin.via.map { " (\($0))" } ?? ""))
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `application-prod.yml` beside `application.yml` (any of the three extensions).
    static func isProfileFile(_ path: String, of main: String) -> Bool {
        let directory = String(main.dropLast(PathText.basename(main).count))
        let name = PathText.basename(path)
        return path == directory + name && name.hasPrefix("application-")
            && [".yml", ".yaml", ".properties"].contains { name.hasSuffix($0) }
    }

    /// Every document's properties of a Spring file, whatever profile they are for; none when
    /// it cannot be read (reading it for the map then says why).
    static func springProperties(_ path: String, text: String?) -> PropertyMap {
        guard let text else { return PropertyMap() }
        let documents: [PropertyMap]
        if path.hasSuffix(".properties") {
            documents = PropertyMap.propertiesDocuments(text, file: path)
        } else {
            guard let yaml = try? YAMLFile(text: text, file: path) else { return PropertyMap() }
            documents = yaml.documents.map { PropertyMap.flatten($0, in: yaml) }
        }
        var properties = PropertyMap()
        for document in documents { properties.overlay(document) }
        return properties
    }

    private static func workloadNames(_ text: String) -> [String] {
        var names: [String] = []
        var inWorkload = false
        var inMetadata = false
        for line in text.split(separator: "\n") {
            if line.hasPrefix("kind:") { inWorkload = ["Deployment", "StatefulSet"].contains(line.dropFirst(5).trimmingBlanks) }
            if line.hasPrefix("metadata:") { inMetadata = true; continue }
            if inMetadata, inWorkload, line.hasPrefix("  name:") {
                names.append(line.dropFirst(7).trimmingBlanks.trimmingCharacters(in: ["\"", "'"]))
                inMetadata = false
            } else if !line.hasPrefix(" ") {
                inMetadata = false
            }
        }
        return names
    }

    private static func looksLikeDatabase(_ name: String) -> Bool {
        ["postgres", "postgresql", "db", "database", "pg", "pgbouncer"].contains { name.lowercased().contains($0) } && !name.contains("service")
    }
}
