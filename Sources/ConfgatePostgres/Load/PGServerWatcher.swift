import ConfgateCore

/// Reads the server's connections from `pg_stat_activity` over a superuser connection
/// (a full server still admits a superuser into its reserved slots), in one query.
public struct PGServerWatcher: ServerWatcher {
    let connection: PGConnection
    /// `application_name` prefix of the fleet's connections: only they count against usable
    /// (other clients' connections are already subtracted from it).
    let fleetPrefix: String

    public init(connection: PGConnection, fleetPrefix: String) {
        self.connection = connection
        self.fleetPrefix = fleetPrefix
    }

    public func sample() async throws -> ServerObservation {
        let result = try await connection.query("""
            SELECT coalesce(a.application_name, ''), coalesce(a.state, ''), count(*)
            FROM pg_stat_activity a JOIN pg_roles r ON r.oid = a.usesysid
            WHERE a.backend_type = 'client backend' AND NOT r.rolsuper
            GROUP BY 1, 2 ORDER BY 1, 2
            """)
        var samples: [ServerSample] = []
        var fleet = 0
        for row in result.rows {
            let app = row[0] ?? "", state = row[1] ?? "", count = Int(row[2] ?? "0") ?? 0
            samples.append(ServerSample(application: app, state: state, count: count))
            if app.hasPrefix(fleetPrefix) { fleet += count }
        }
        return ServerObservation(samples: samples, clientConnections: fleet)
    }
}
