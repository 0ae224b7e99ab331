extension Settings {
    /// One `[pool.NAME]` section: a pool each instance (each of its processes) holds beside
    /// the main `[pool]`, with the same keys and defaults.
    public struct NamedPool: Hashable, Sendable, Codable {
        /// `replica` for `[pool.replica]`: lower-case letters, digits and `_`, starting with a letter.
        public var name: String
        public var pool: Pool

        public init(name: String, pool: Pool = .init()) {
            self.name = name
            self.pool = pool
        }

        /// The section's name in a settings file: `pool.replica`.
        public var section: String { "pool.\(name)" }

        /// Whether `name` may name a pool: lower-case letters, digits and `_`, starting with a
        /// letter, at most 40 characters (it becomes part of an `application_name`). Returns
        /// why not, or `nil`.
        public static func problem(with name: String) -> String? {
            guard let first = name.first else { return "a pool's name is empty: write [pool.NAME], e.g. [pool.replica]" }
            if name.count > 40 { return "a pool's name is at most 40 characters" }
            guard first.isASCII, first.isLowercase else { return "a pool's name starts with a lower-case letter" }
            if name.contains(where: { !(($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_") }) {
                return "a pool's name holds only lower-case letters, digits and `_`"
            }
            return nil
        }
    }

    /// Every pool one process of an instance holds: the main pool (name `nil`), then the
    /// named ones in file order.
    public var allPools: [(name: String?, pool: Pool)] {
        [(nil, pool)] + namedPools.map { ($0.name, $0.pool) }
    }

    /// The named pool `name`, if the settings declare it.
    public func namedPool(_ name: String) -> Pool? {
        namedPools.first { $0.name == name }?.pool
    }

    /// Changes the named pool `name`, declaring it with the defaults first if needed.
    public mutating func updateNamedPool(_ name: String, _ change: (inout Pool) throws(ConfgateError) -> Void) throws(ConfgateError) {
        if let index = namedPools.firstIndex(where: { $0.name == name }) {
            try change(&namedPools[index].pool)
        } else {
            var pool = Pool()
            try change(&pool)
            namedPools.append(NamedPool(name: name, pool: pool))
        }
    }

    /// Connections one process may hold across all its pools: Σ max_size.
    public var maxSizePerProcess: Int { allPools.reduce(0) { $0 + $1.pool.maxSize } }

    /// The pools' sizes as demand arithmetic shows them: `20`, or `(20 + 5)` with named pools.
    public var maxSizeText: String {
        namedPools.isEmpty ? "\(pool.maxSize)" : "(" + allPools.map { "\($0.pool.maxSize)" }.joined(separator: " + ") + ")"
    }

    /// The same with the pools named: `max_size 20`, or `max_size (pool 20 + replica 5)`.
    public var maxSizeNamedText: String {
        namedPools.isEmpty ? "max_size \(pool.maxSize)"
            : "max_size (" + allPools.map { "\($0.name ?? "pool") \($0.pool.maxSize)" }.joined(separator: " + ") + ")"
    }

    /// Σ max_size of the named pools alone: what the main pool shares a process's budget with.
    public var namedMaxSize: Int { namedPools.reduce(0) { $0 + $1.pool.maxSize } }

    /// ` + 5` (the named pools' sizes after the main one's), or nothing: for fixes that change
    /// only the main pool, `6 × (16 + 5)`.
    func withNamed(_ mainSize: Int) -> String {
        namedPools.isEmpty ? "\(mainSize)" : "(" + ([mainSize] + namedPools.map(\.pool.maxSize)).map(String.init).joined(separator: " + ") + ")"
    }
}

extension Settings {
    private enum CodingKeys: String, CodingKey {
        case database, pool, namedPools, fleet, server, pooler, origins, file, sections, notes
    }

    /// Reads JSON written before named pools existed too: `namedPools` absent is none.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            database: try c.decode(Database.self, forKey: .database),
            pool: try c.decode(Pool.self, forKey: .pool),
            namedPools: try c.decodeIfPresent([NamedPool].self, forKey: .namedPools) ?? [],
            fleet: try c.decode(Fleet.self, forKey: .fleet),
            server: try c.decode(Server.self, forKey: .server),
            pooler: try c.decodeIfPresent(Pooler.self, forKey: .pooler),
            origins: try c.decodeIfPresent([String: KeyOrigin].self, forKey: .origins) ?? [:],
            file: try c.decodeIfPresent(String.self, forKey: .file),
            sections: try c.decodeIfPresent([String: SourceLocation].self, forKey: .sections) ?? [:],
            notes: try c.decodeIfPresent([SourceNote].self, forKey: .notes) ?? [])
    }

    /// Writes `namedPools` only when there are some, so a file without them writes what it
    /// always wrote.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(database, forKey: .database)
        try c.encode(pool, forKey: .pool)
        if !namedPools.isEmpty { try c.encode(namedPools, forKey: .namedPools) }
        try c.encode(fleet, forKey: .fleet)
        try c.encode(server, forKey: .server)
        try c.encodeIfPresent(pooler, forKey: .pooler)
        try c.encode(origins, forKey: .origins)
        try c.encodeIfPresent(file, forKey: .file)
        try c.encode(sections, forKey: .sections)
        try c.encode(notes, forKey: .notes)
    }
}
