// Stub, replaced by issue #2's parser.
/// Reads a settings file (design §3).
public enum SettingsFile {
    /// Reads and validates the file at `path`. Throws `ConfgateError` (`.badInput`, with location).
    public static func load(path: String) throws(ConfgateError) -> Settings {
        throw ConfgateError(.badInput, "settings parser not implemented yet")
    }
    /// Parses `text` as if read from `file`.
    public static func parse(_ text: String, file: String) throws(ConfgateError) -> Settings {
        throw ConfgateError(.badInput, "settings parser not implemented yet")
    }
}

/// Reads a gate file (design §4).
public enum GateFile {
    public static func load(path: String) throws(ConfgateError) -> GateSettings {
        throw ConfgateError(.badInput, "gate parser not implemented yet")
    }
    public static func parse(_ text: String, file: String) throws(ConfgateError) -> GateSettings {
        throw ConfgateError(.badInput, "gate parser not implemented yet")
    }
}
