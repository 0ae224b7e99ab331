/// A place in an input file: 1-based line and column, as editors and compilers count them.
public struct SourceLocation: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The file's path as the user named it.
    public var file: String
    /// 1-based line number.
    public var line: Int
    /// 1-based column number (in characters).
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, the form compilers and editors understand.
    public var description: String { "\(file):\(line):\(column)" }
}
