@testable import ConfgateCore

/// Files held in memory, for source readers tested without a disk.
enum MemoryFiles {
    static func access(_ files: [String: String]) -> FileAccess {
        FileAccess(
            read: { path throws(ConfgateError) in
                guard let text = files[path] else { throw ConfgateError(.badInput, "cannot read \(path): no such file") }
                return text
            },
            exists: { files[$0] != nil },
            list: { directory in
                files.keys.filter { $0.hasPrefix(directory + "/") && !$0.dropFirst(directory.count + 1).contains("/") }
                    .map { String($0.dropFirst(directory.count + 1)) }
            })
    }

    /// The settings a fleet map `map.conf` gives, reading `files` beside it.
    static func settings(map: String, _ files: [String: String], options: SourceOptions = .init()) throws -> Settings {
        var options = options
        options.files = access(files.merging(["map.conf": map]) { a, _ in a })
        return try SettingsFile.load(path: "map.conf", sources: options)
    }

    /// The settings a file read directly gives.
    static func settings(direct path: String, _ files: [String: String], options: SourceOptions = .init()) throws -> Settings {
        var options = options
        options.files = access(files)
        return try SettingsFile.load(path: path, sources: options)
    }

    /// The `.badInput` error reading throws.
    static func error(_ body: () throws -> Settings) -> ConfgateError? {
        do { _ = try body(); return nil } catch let error as ConfgateError { return error } catch { return nil }
    }
}

extension SourceLocation {
    /// `file:line:column`, for compact expectations.
    var short: String { "\(file):\(line):\(column)" }
}
