import Foundation

/// The datasources a Spring service's files declare besides Spring Boot's own
/// (`spring.datasource`): each is a HikariCP pool per instance, which `confgate init` maps as
/// `[pool.NAME]` with its `prefix`. Found by the shapes public services write:
///
/// - `app.datasource.replica.url` with `…replica.hikari.maximum-pool-size` (the pool bound at
///   `PREFIX.hikari`, as Spring Boot binds its own);
/// - `app.datasource.reporting.jdbc-url` with `…reporting.maximum-pool-size` (a
///   `HikariDataSource` bound at the prefix, as `DataSourceBuilder` makes it; also
///   `spring.datasource.hikari.read.*`, `datasource.secondary.*`);
/// - `app.datasource.audit.configuration.maximum-pool-size` (Spring Boot's how-to for two
///   datasources);
/// - `spring.replica.datasource.*`, `spring.datasource-read.*`, `spring.datasource.db1.*`.
///
/// A prefix counts when it holds a JDBC URL (`url`, `jdbc-url`) or a pool size
/// (`maximum-pool-size`, `minimum-idle`), and one of its names says datasource (or `hikari`):
/// that keeps out a cache's `maximumPoolSize`, Flyway's `url` and the driver's
/// `data-source-properties`. A URL of another database (`jdbc:mysql:`) is not this server's pool.
struct SpringDatasources {
    /// One datasource: where its keys are, as the file spells it, and the pool's name.
    struct Datasource: Equatable {
        var prefix: String
        var name: String
        var location: SourceLocation
    }

    /// The datasource that is the main pool when `spring.datasource` declares none (a service
    /// with `spring.primary.datasource` and `spring.replica.datasource`); `nil` otherwise.
    var main: Datasource?
    /// The further datasources, in file order, each a `[pool.NAME]`.
    var named: [Datasource] = []
    /// What was seen and not mapped, for the user.
    var remarks: [String] = []

    /// Looks through the properties of a Spring file and its profile files (`files`, in
    /// that order, for the order of the pools).
    init(_ properties: PropertyMap, files: [String]) {
        let before = { (a: SourceLocation, b: SourceLocation) in
            (files.firstIndex(of: a.file) ?? files.count, a.line, a.column) < (files.firstIndex(of: b.file) ?? files.count, b.line, b.column)
        }
        let urlKeys: Set<String> = ["url", "jdbcurl"]
        let sizeKeys: Set<String> = ["maximumpoolsize", "minimumidle"]
        var owners: [String: (url: SourcedValue?, location: SourceLocation)] = [:]
        for (key, value) in properties.values {
            var parts = key.split(separator: ".").map(String.init)
            guard let leaf = parts.popLast(), urlKeys.contains(leaf) || sizeKeys.contains(leaf) else { continue }
            if urlKeys.contains(leaf), !Self.isJDBC(value.text) { continue }
            // The pool's keys under `hikari` or `configuration` belong to the datasource above.
            if let last = parts.last, last == "hikari" || (last == "configuration" && sizeKeys.contains(leaf)) { parts.removeLast() }
            guard Self.isDatasource(parts) else { continue }
            let owner = parts.joined(separator: ".")
            var entry = owners[owner] ?? (nil, value.keyLocation)
            if urlKeys.contains(leaf) { entry.url = value }
            if before(value.keyLocation, entry.location) { entry.location = value.keyLocation }
            owners[owner] = entry
        }
        var taken: Set<String> = []
        var found: [Datasource] = []
        for (owner, entry) in owners.sorted(by: { before($0.value.location, $1.value.location) }) {
            let prefix = Self.spelling(of: owner, in: properties)
            if let url = entry.url, !Self.isPostgres(url.text) {
                let scheme = url.text.split(separator: ":").prefix(2).joined(separator: ":")
                remarks.append("\(prefix) (\(url.location)) is a \(scheme) datasource, another database's: not mapped")
                continue
            }
            let name = Self.name(for: prefix, taken: taken)
            taken.insert(name)
            found.append(Datasource(prefix: prefix, name: name, location: entry.location))
        }
        // Spring Boot's own datasource is the main pool when the file configures it (or the
        // environment may, which the file does not show); else a datasource named as a primary.
        let springOwn = properties.values.keys.contains { key in
            ["spring.datasource.url", "spring.datasource.jdbcurl", "spring.datasource.username"].contains(key)
                || (key.hasPrefix("spring.datasource.hikari.") && !key.dropFirst("spring.datasource.hikari.".count).contains("."))
        }
        if !springOwn, let index = found.firstIndex(where: { ["primary", "main", "master", "write", "writer", "default", "first"].contains($0.name) }) {
            main = found.remove(at: index)
        } else if !springOwn, !found.isEmpty {
            remarks.append("the files set nothing under spring.datasource, so [pool] counts HikariCP's default 10 for it: "
                + "if the service has no such datasource, give [pool] one of the named pools' prefix instead")
        }
        named = found
    }

    /// Whether a datasource's owner path (canonical segments) is one: a segment says
    /// datasource or hikari, and it is not Spring Boot's own datasource, its misplaced
    /// `spring.hikari`, its other pools' groups, or the driver's properties.
    static func isDatasource(_ parts: [String]) -> Bool {
        guard parts.contains(where: { $0.contains("datasource") || $0 == "hikari" }),
              !parts.contains(where: { $0 == "datasourceproperties" }) else { return false }
        let owner = parts.joined(separator: ".")
        if ["spring", "spring.datasource", "spring.hikari"].contains(owner) { return false }
        if parts.count >= 3, parts[0] == "spring", parts[1] == "datasource",
           ["tomcat", "dbcp2", "oracleucp", "xa", "embeddeddatabaseconnection"].contains(parts[2]) { return false }
        return true
    }

    static func isJDBC(_ text: String) -> Bool { text.lowercased().hasPrefix("jdbc:") || text.contains("${") }

    /// A placeholder URL might be PostgreSQL's; only a JDBC URL that says another database is not.
    static func isPostgres(_ text: String) -> Bool {
        !text.lowercased().hasPrefix("jdbc:") || text.lowercased().hasPrefix("jdbc:postgresql:")
    }

    /// `owner` (canonical) as the file wrote it: `app.datasource.read-replica`.
    static func spelling(of owner: String, in properties: PropertyMap) -> String {
        let count = owner.split(separator: ".").count
        let spelled = properties.spellings.filter { $0.key.hasPrefix(owner + ".") }.min { $0.key < $1.key }?.value
        let parts = spelled?.split(separator: ".").prefix(count).map(String.init) ?? []
        return parts.count == count ? parts.joined(separator: ".") : owner
    }

    /// The pool's name: the last name in the prefix that is not a word every prefix has
    /// (`app.datasource.read-replica` → `read_replica`, `spring.datasource-reporting` →
    /// `reporting`), unique among `taken`.
    static func name(for prefix: String, taken: Set<String>) -> String {
        let generic: Set<String> = ["spring", "app", "application", "datasource", "datasources", "hikari", "configuration", "jdbc"]
        var base = "second"
        for part in prefix.split(separator: ".").reversed() {
            var word = part.lowercased()
            for noise in ["datasource", "data-source", "data_source"] { word = word.replacingOccurrences(of: noise, with: "") }
            word = String(word.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
            word = word.trimmingCharacters(in: ["_"])
            guard !word.isEmpty, !generic.contains(word) else { continue }
            base = Settings.NamedPool.problem(with: word) == nil ? word : "pool_" + word
            if Settings.NamedPool.problem(with: base) != nil { base = "second" }
            break
        }
        var name = base
        var number = 2
        while taken.contains(name) { name = "\(base)_\(number)"; number += 1 }
        return name
    }
}
