import Testing
@testable import ConfgateCore

/// A malformed input and the one error it must produce.
struct BadInput: CustomTestStringConvertible, Sendable {
    var text: String
    var line: Int
    var column: Int
    var message: String
    var testDescription: String { message }

    init(_ text: String, _ line: Int, _ column: Int, _ message: String) {
        self.text = text
        self.line = line
        self.column = column
        self.message = message
    }
}

/// Parses `text`, expecting exactly the error `expected` describes.
private func expectError(
    _ expected: BadInput, parse: (String, String) throws(ConfgateError) -> Void,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    do {
        try parse(expected.text, "t.conf")
        Issue.record("parsed without error: \(expected.text.debugDescription)", sourceLocation: sourceLocation)
    } catch {
        #expect(error.kind == .badInput, sourceLocation: sourceLocation)
        #expect(error.message == expected.message, sourceLocation: sourceLocation)
        #expect(error.location?.file == "t.conf", sourceLocation: sourceLocation)
        #expect(error.location?.line == expected.line, "line", sourceLocation: sourceLocation)
        #expect(error.location?.column == expected.column, "column", sourceLocation: sourceLocation)
        #expect(error.exitCode == 2, sourceLocation: sourceLocation)
    }
}

@Suite("Settings file errors: each names line, column and what is wrong")
struct SettingsErrorTests {
    static let cases: [BadInput] = [
        // Keys and sections.
        .init("[pool]\nmax_sise = 3", 2, 1, "unknown key `max_sise` in [pool]; did you mean `max_size`?"),
        .init("[poool]\nmax_size = 3", 1, 2, "unknown section [poool]; did you mean [pool]?"),
        .init("[pool]\nmax_size = 3\nmax_size = 4", 3, 1, "`max_size` is set twice in [pool]"),
        .init("[pool]\nmax_size = 3\n[fleet]\ninstances = 2\n[pool]\nmax_size = 3", 6, 1, "`max_size` is set twice in [pool]"),
        .init("max_size = 3", 1, 1, "`max_size` is outside any section: put it under [pool]"),
        .init("colour = blue", 1, 1, "`colour` is outside any section"),
        .init("[pool]\ninstances = 3", 2, 1, "`instances` belongs in [fleet], not [pool]"),
        .init("[pool]\nmax_size = 3\n[fleet]\nmax_size = 4", 4, 1, "`max_size` belongs in [pool], not [fleet]"),
        .init("[pool]\nmaximumPoolSize = 3", 2, 1, "unknown key `maximumPoolSize` in [pool]; did you mean `max_size`?"),
        .init("[fleet]\nmax_surg = 1", 2, 1, "unknown key `max_surg` in [fleet]; did you mean `max_surge`?"),
        .init("[fleet]\nmaxsize = 1", 2, 1, "unknown key `maxsize` in [fleet]; did you mean `max_size` in [pool]?"),
        .init("[server]\nmax_conections = 100", 2, 1, "unknown key `max_conections` in [server]; did you mean `max_connections`?"),
        .init("[server]\nflux = 1", 2, 1, "unknown key `flux` in [server]"),
        // Lines that are not `key = value`.
        .init("[database]\nthis is junk", 2, 1, "expected `key = value` or `[section]`, found `this is junk`"),
        .init("[pool]\nmax_size 15", 2, 1, "expected `key = value` or `[section]`, found `max_size 15`"),
        .init("[pool]\nmax_size: 3", 2, 9, "expected `=` after `max_size`, found `:`"),
        .init("[pool]\n= 3", 2, 1, "expected `key = value` or `[section]`, found `= 3`"),
        .init("[pool]\nmax_size", 2, 1, "`max_size` has no value: write `max_size = <value>`"),
        .init("[pool]\nmax_size =   # nothing", 2, 14, "`max_size` has no value after `=`"),
        .init("[pool", 1, 1, "section header is missing its closing `]`"),
        .init("[]", 1, 1, "empty section name `[]`"),
        .init("[po ol]", 1, 4, "section name `po ol` may hold only letters, digits, `_` and `.` (`[pool.replica]`)"),
        .init("[pool] extra", 1, 8, "unexpected text `extra` after the section header `[pool]`"),
        // Quoting.
        .init("[database]\ndsn = \"host=x", 2, 7, "unterminated quote: the value starting here has no closing `\"`"),
        .init("[database]\ndsn = 'host=x", 2, 7, "unterminated quote: the value starting here has no closing `'`"),
        .init("[pool]\nmax_size = \"3\" extra", 2, 16, "unexpected text `extra` after the quoted value of `max_size`"),
        // Counts.
        .init("[pool]\nmax_size = -5", 2, 12, "`max_size` cannot be negative (`-5`)"),
        .init("[fleet]\nmax_surge = -1", 2, 13, "`max_surge` cannot be negative (`-1`)"),
        .init("[pool]\nmax_size = ten", 2, 12, "`max_size` expects a whole number, got `ten`"),
        .init("[pool]\nmin_idle = 2.5", 2, 12, "`min_idle` expects a whole number, got `2.5`"),
        .init("[pool]\nmax_size = 0", 2, 12, "`max_size` must be at least 1, got 0: a pool needs at least one connection"),
        .init("[fleet]\ninstances = 0", 2, 13, "`instances` must be at least 1, got 0: a fleet needs at least one instance"),
        .init("[pool]\nmax_size = 99999999999", 2, 12, "`max_size` is too large (`99999999999`); the most it can be is 2147483647"),
        .init("[server]\nmax_connections = 300000", 2, 19, "`max_connections` is too large (`300000`); the most it can be is 262143"),
        .init("[pool]\n\tmax_size = 'it''s'", 2, 13, "`max_size` expects a whole number, got `it's`"),
        // Durations.
        .init("[pool]\nacquire_timeout = 30", 2, 19, "`acquire_timeout = 30` has no unit: write `30s`, `30ms` or `30min`"),
        .init("[pool]\nacquire_timeout = 30 sec", 2, 22, "unknown unit `sec` in `acquire_timeout`; did you mean `s`?"),
        .init("[pool]\nacquire_timeout = 2 S", 2, 21, "unknown unit `S` in `acquire_timeout`; did you mean `s`?"),
        .init("[pool]\nmax_lifetime = 1 fortnight", 2, 18, "unknown unit `fortnight` in `max_lifetime`"),
        .init("[pool]\nacquire_timeout = 5m", 2, 20, "`m` is not a unit of `acquire_timeout`: write `min` for minutes or `ms` for milliseconds"),
        .init("[pool]\nacquire_timeout = fast", 2, 19, "`acquire_timeout` expects a duration such as `30s` or `500ms`, got `fast`"),
        .init("[pool]\nacquire_timeout = -2s", 2, 19, "`acquire_timeout` cannot be negative (`-2s`)"),
        .init("[pool]\nacquire_timeout = 0.0000001s", 2, 19, "`0.0000001s` is not a whole number of microseconds, the finest unit `acquire_timeout` keeps"),
        .init("[pool]\nidle_timeout = 1.s", 2, 16, "`idle_timeout` expects a duration such as `30s` or `500ms`, got `1.s`"),
        .init("[pool]\nmax_lifetime = 99999999999d", 2, 16, "`max_lifetime` is too large (`99999999999d`)"),
        .init("[pool]\nmax_lifetime = off", 2, 16, "`max_lifetime` expects a duration such as `30s` or `500ms`, got `off`"),
        .init("[fleet]\nrequest_timeout = 0s", 2, 19, "`request_timeout` must be longer than 0s: callers would give up at once"),
        .init("[database]\nconnect_timeout = 1500ms", 2, 19, "`connect_timeout` must be whole seconds, libpq's unit; got `1500ms`"),
        // The DSN, by libpq.
        .init("[database]\ndsn = host=x foo=bar", 2, 7, "libpq rejects `dsn`: invalid connection option \"foo\""),
        .init("[database]\ndsn = 'host=x conect_timeout=3'", 2, 7, "libpq rejects `dsn`: invalid connection option \"conect_timeout\"; did you mean \"connect_timeout\"?"),
        .init("[database]\ndsn = 'host=x port=abc'", 2, 7, "libpq rejects `dsn`: invalid port number: \"abc\""),
        .init("[database]\ndsn = host", 2, 7, "libpq rejects `dsn`: missing \"=\" after \"host\" in connection info string"),
        .init("[database]\ndsn = \"\"", 2, 7, "`dsn` is empty: give a libpq connection string, or leave the key out"),
        .init("[database]\ndsn = \"postgresql://h/db?connect_timeout=10\"\nconnect_timeout = 5s", 3, 19, "`connect_timeout` is 5s here but 10s in the DSN"),
        // Rules across keys.
        .init("[server]\nmax_connections = 3", 2, 19, "superuser_reserved_connections (3) plus reserved_connections (0) must be less than max_connections (3)"),
        .init("[server]\nsuperuser_reserved_connections = 50\nreserved_connections = 50", 2, 34, "superuser_reserved_connections (50) plus reserved_connections (50) must be less than max_connections (100)"),
        // Encodings and line endings.
        .init("\u{FEFF}[pool]\nmax_sise = 1", 2, 1, "unknown key `max_sise` in [pool]; did you mean `max_size`?"),
        .init("[pool]\r\nmax_size = 3\r\nmax_sise = 3\r\n", 3, 1, "unknown key `max_sise` in [pool]; did you mean `max_size`?"),
    ]

    @Test(arguments: cases)
    func rejects(_ input: BadInput) {
        expectError(input) { text, file throws(ConfgateError) in _ = try SettingsFile.parse(text, file: file) }
    }

    @Test func duplicateKeyPointsAtTheFirst() throws {
        let error = try #require(throws: ConfgateError.self) {
            try SettingsFile.parse("[pool]\nmax_size = 3\n\nmax_size = 4", file: "t.conf")
        }
        #expect(error.details == ["first set at t.conf:2:1"])
    }

    @Test func unknownSectionListsTheSections() throws {
        let error = try #require(throws: ConfgateError.self) {
            try SettingsFile.parse("[nonsense]", file: "t.conf")
        }
        #expect(error.message == "unknown section [nonsense]")
        #expect(error.details == ["a settings file has the sections [database], [pool], [fleet], [server], [pooler]"])
    }

    @Test func unitErrorsListTheUnits() throws {
        let error = try #require(throws: ConfgateError.self) {
            try SettingsFile.parse("[pool]\nidle_timeout = 10", file: "t.conf")
        }
        #expect(error.details == ["units: us, ms, s, min, h, d"])
    }

    @Test func descriptionIsCompilerStyle() throws {
        let error = try #require(throws: ConfgateError.self) {
            try SettingsFile.parse("[pool]\nmax_sise = 3", file: "dir/a.conf")
        }
        #expect(error.description == "dir/a.conf:2:1: error: unknown key `max_sise` in [pool]; did you mean `max_size`?")
    }

    @Test func missingFileIsBadInput() throws {
        let error = try #require(throws: ConfgateError.self) {
            try SettingsFile.load(path: "/nonexistent/confgate/x.conf")
        }
        #expect(error.message == "cannot read /nonexistent/confgate/x.conf: no such file")
        #expect(error.exitCode == 2)
    }
}

@Suite("Gate file errors")
struct GateErrorTests {
    static let cases: [BadInput] = [
        .init("[lood]", 1, 2, "unknown section [lood]; did you mean [load]?"),
        .init("[load]\nrate = 400", 2, 8, "`rate = 400` has no unit: write `400/s`"),
        .init("[load]\nrate = 400/week", 2, 8, "`rate` expects a rate per `/s`, `/min` or `/h`, such as `400/s`; got `400/week`"),
        .init("[load]\nrate = 0/s", 2, 8, "`rate` must be above zero, got `0/s`"),
        .init("[load]\ndeploy = sometimes", 2, 10, "`deploy` expects on or off (also true/false, yes/no, 1/0), got `sometimes`"),
        .init("[load]\nduration = 5s\nspike = 3x for 10s", 3, 9, "the spike lasts 10s but each trial lasts only 5s"),
        .init("[load]\nspike = 3 for 4s", 2, 9, "`spike` expects `off` or a burst such as `3x for 4s`, got `3 for 4s`"),
        .init("[load]\nspike = 3x for 4", 2, 16, "`spike = 4` has no unit: write `4s`, `4ms` or `4min`"),
        .init("[load]\nspike = 0.5x for 4s", 2, 9, "`spike` multiplier must be at least 1x, got `0.5x for 4s`"),
        .init("[load]\nduration = 0s", 2, 12, "`duration` must be longer than 0s"),
        .init("[load]\ntrials = 0", 2, 10, "`trials` must be at least 1, got 0: each side needs a trial"),
        .init("[load]\nseed = -1", 2, 8, "`seed` cannot be negative (`-1`)"),
        .init("[load]\nbad_password_ratio = 120%", 2, 22, "`bad_password_ratio` must be from 0% to 100%, got 120%"),
        .init("[gate]\nlatency_tolerance = 10", 2, 21, "`latency_tolerance = 10` needs a `%`: write `10%`"),
        .init("[gate]\nconfidence = 40%", 2, 14, "`confidence` must be from 50% to 99.9%, got 40%"),
        .init("[gate]\nmax_utilization = 0%", 2, 19, "`max_utilization` must be above 0% and at most 100%, got 0%"),
        .init("[gate]\nmax_failed_logins = -3", 2, 21, "`max_failed_logins` cannot be negative (`-3`)"),
        .init("[lint]\nignore = CG110, X12", 2, 17, "`X12` is not a rule ID: IDs look like `CG110`"),
        .init("[lint]\nignore = CG110,,CG111", 2, 16, "empty rule ID in `ignore`"),
        .init("[lint]\nignore = CG110, cg110", 2, 17, "`CG110` is listed twice in `ignore`"),
        .init("[gate]\nrate = 400/s", 2, 1, "`rate` belongs in [load], not [gate]"),
        .init("[load]\nrat = 400/s", 2, 1, "unknown key `rat` in [load]; did you mean `rate`?"),
    ]

    @Test(arguments: cases)
    func rejects(_ input: BadInput) {
        expectError(input) { text, file throws(ConfgateError) in _ = try GateFile.parse(text, file: file) }
    }
}
