/// Paths of the repository's `fixtures/`, found from this source file.
enum Fixtures {
    static let directory: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/ConfgateCoreTests/Fixtures.swift
        return parts.joined(separator: "/") + "/fixtures"
    }()

    static func path(_ name: String) -> String { "\(directory)/\(name)" }
}
