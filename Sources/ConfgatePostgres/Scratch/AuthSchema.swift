/// The test auth service's schema and seed data (design §6): one definition shared by the
/// template builder, the `--postgres URL` path and the auth service that verifies logins.
///
/// Seeded users are deterministic so that a load driver can log in without reading the
/// database: user `i` (1...N) has email `user<i>@example.test` and password `pw-<i>`.
/// Each user has a random 16-byte salt, and
/// `password_hash = sha256(salt || utf8(password))` — the service verifies with
/// swift-crypto's `SHA256` over exactly those bytes (`passwordHashInput`).
public enum AuthSchema {
    /// Bumped whenever the SQL below changes; part of the template cache key.
    public static let version = 1

    /// The database the service uses on a scratch server.
    public static let database = "auth"
    /// The non-superuser login role every service instance (and `other_clients`) uses.
    public static let serviceRole = "auth"
    /// The superuser for setup and monitoring; admitted in `superuser_reserved_connections`.
    public static let superuserRole = "confgate"

    /// The email of seeded user `id` (1-based).
    public static func email(forUser id: Int) -> String { "user\(id)@example.test" }

    /// The password of seeded user `id`; anything else is a wrong password.
    public static func expectedPassword(forUser id: Int) -> String { "pw-\(id)" }

    /// The bytes whose SHA-256 is `password_hash`: `salt` followed by the UTF-8 password.
    public static func passwordHashInput(salt: [UInt8], password: String) -> [UInt8] {
        salt + Array(password.utf8)
    }

    /// Tables of design §6 and the service role's grants (run as superuser in `database`).
    public static let schemaSQL = """
        CREATE TABLE users (id bigint PRIMARY KEY, email text UNIQUE NOT NULL,
          salt bytea NOT NULL, password_hash bytea NOT NULL,
          failed_attempts int NOT NULL DEFAULT 0, last_login_at timestamptz);
        CREATE TABLE sessions (id bigserial PRIMARY KEY, user_id bigint NOT NULL,
          token_hash bytea NOT NULL, created_at timestamptz NOT NULL, expires_at timestamptz NOT NULL);
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '\(serviceRole)') THEN
            CREATE ROLE \(serviceRole) LOGIN;
          END IF;
        END $$;
        GRANT SELECT, INSERT, UPDATE ON users, sessions TO \(serviceRole);
        GRANT USAGE ON SEQUENCE sessions_id_seq TO \(serviceRole);
        """

    /// Seeds `users` accounts set-based (one statement), then refreshes planner statistics.
    /// The salt is `uuid_send(gen_random_uuid())`: 16 bytes, 122 of them random.
    public static func seedSQL(users: Int) -> String {
        """
        INSERT INTO users (id, email, salt, password_hash)
        SELECT i, 'user' || i || '@example.test', s, sha256(s || convert_to('pw-' || i, 'UTF8'))
        FROM (SELECT i, uuid_send(gen_random_uuid()) AS s FROM generate_series(1, \(users)) AS i) AS g;
        ANALYZE users;
        ANALYZE sessions;
        """
    }

    /// Connects with `parameters` (an empty database), creates the schema and seeds `users`
    /// accounts, and closes the connection whatever happens.
    static func install(parameters: [String: String], users: Int) async throws(PGError) {
        let db = try await PGConnection.connect(parameters: parameters)
        do throws(PGError) {
            try await db.execute(schemaSQL)
            try await db.execute(seedSQL(users: users))
        } catch {
            await db.close()
            throw error
        }
        await db.close()
    }
}
