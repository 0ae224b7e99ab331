/// A value read from a file a service already keeps (a Spring `application.yml`, a Kubernetes
/// manifest, a `postgresql.conf`), with where it was written, so that findings and errors
/// point at the real file's line.
public struct SourcedValue: Hashable, Sendable {
    /// The value as the owning tool reads it: quotes resolved, placeholders not yet resolved.
    public var text: String
    /// The name the file gave the key, e.g. `maximum-pool-size` or `SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE`.
    public var name: String
    /// The key's first character.
    public var keyLocation: SourceLocation
    /// The value's first character.
    public var location: SourceLocation
    /// The comment after the value on the same line, if the format has comments.
    public var comment: String?
    /// How the value got here when its location alone does not say, e.g.
    /// `profile prod`, `container env of Deployment auth`, `HikariCP default`.
    public var via: String?

    public init(text: String, name: String, keyLocation: SourceLocation, location: SourceLocation,
                comment: String? = nil, via: String? = nil) {
        self.text = text
        self.name = name
        self.keyLocation = keyLocation
        self.location = location
        self.comment = comment
        self.via = via
    }

    /// The same value with other text (a placeholder resolved, a unit added).
    func with(text: String) -> SourcedValue {
        var copy = self
        copy.text = text
        return copy
    }
}

/// One of our settings keys (`pool.max_size`) set from a service's file: the value in
/// the settings file's syntax (`30000ms`), and the value as written, with its place.
public struct SourceBinding: Hashable, Sendable {
    /// Our key, `section.name`, as in `Settings.origins`.
    public var path: String
    /// The value in the settings file's syntax, read by the same key reader a `.conf` uses.
    public var text: String
    /// What the file wrote, and where.
    public var origin: SourcedValue

    public init(path: String, text: String, origin: SourcedValue) {
        self.path = path
        self.text = text
        self.origin = origin
    }
}

/// Something a reader noticed that a user should know but that is not an error: a key it
/// could not bind, a default it filled in, two files that disagree.
public struct SourceNote: Hashable, Sendable, Codable, CustomStringConvertible {
    public var message: String
    public var location: SourceLocation?

    public init(_ message: String, at location: SourceLocation? = nil) {
        self.message = message
        self.location = location
    }

    /// `file:line:column: note: message`.
    public var description: String { (location.map { "\($0): " } ?? "") + "note: " + message }
}

/// What reading one or more service files produced: our keys, and notes.
public struct SourceReading: Sendable {
    public var bindings: [SourceBinding] = []
    public var notes: [SourceNote] = []

    public init(bindings: [SourceBinding] = [], notes: [SourceNote] = []) {
        self.bindings = bindings
        self.notes = notes
    }

    mutating func bind(_ path: String, _ text: String, _ origin: SourcedValue) {
        bindings.removeAll { $0.path == path }
        bindings.append(SourceBinding(path: path, text: text, origin: origin))
    }

    mutating func note(_ message: String, at location: SourceLocation? = nil) {
        notes.append(SourceNote(message, at: location))
    }

    /// What a connection URL written at `origin` says: the DSN, the keys its parameters set
    /// (each shown as `parameter=value`, never the whole URL, which may hold a password), notes.
    mutating func bind(_ url: ConnectionURL.Reading, at origin: SourcedValue) {
        bind("database.dsn", url.dsn, origin)
        for setting in url.settings { bind(setting.path, setting.text, origin.with(text: "\(setting.parameter)=\(setting.text)")) }
        for note in url.notes { self.note(note, at: origin.location) }
    }

    mutating func merge(_ other: SourceReading) {
        for binding in other.bindings { bind(binding.path, binding.text, binding.origin) }
        notes += other.notes
    }
}
