import Yams

/// A YAML file read with Yams as node trees, every node with its line and column, so a
/// value can be traced to the exact scalar a pull request changed.
struct YAMLFile {
    let file: String
    let text: String
    /// Every document of the file (`---` separates them), in order; empty documents dropped.
    let documents: [Node]

    /// Parses `text`. A YAML syntax error is `.badInput` at the YAML library's own mark; an
    /// unrendered Helm template (`{{ … }}`) is `.badInput` saying to render it first.
    init(text: String, file: String) throws(ConfgateError) {
        self.file = file
        self.text = text
        if let at = Self.templateMarker(in: text) {
            throw ConfgateError(
                .badInput, "\(file) is an unrendered Helm template (`{{ … }}`): confgate reads rendered manifests",
                at: SourceLocation(file: file, line: at.line, column: at.column),
                details: ["render it first, e.g. `helm template RELEASE CHART -f values.yaml > rendered.yaml`, and read rendered.yaml"])
        }
        do {
            // The sequence parses lazily and keeps a syntax error instead of throwing it.
            var sequence = try Yams.compose_all(yaml: text)
            var nodes: [Node] = []
            while let node = sequence.next() { nodes.append(node) }
            if let error = sequence.error { throw error }
            documents = nodes
        } catch let error as YamlError {
            throw Self.located(error, file: file)
        } catch {
            throw ConfgateError(.badInput, "cannot read \(file) as YAML: \(error)")
        }
    }

    /// Where `node` starts in this file (line 1, column 1 when Yams has no mark).
    func location(_ node: Node) -> SourceLocation {
        let mark = node.mark
        return SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    /// Where a scalar's text starts: one past its opening quote when quoted.
    func textLocation(_ node: Node) -> SourceLocation {
        var at = location(node)
        if let style = node.scalar?.style, style == .singleQuoted || style == .doubleQuoted { at.column += 1 }
        return at
    }

    /// The words of a command: a sequence's items (exec form), or a scalar split as a shell
    /// would (`postgres -c 'max_connections=60'`, folded `>` blocks included), each located at
    /// its first character in the file by searching the text from the node onwards.
    func words(_ node: Node) -> [(text: String, location: SourceLocation)] {
        let pieces: [String]
        if case .sequence(let items) = node {
            pieces = items.compactMap(\.text).flatMap { ShellWords.split($0) }
        } else if let text = node.text {
            pieces = ShellWords.split(text)
        } else {
            return []
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
        var line = (node.mark?.line ?? 1) - 1
        var column = (node.mark?.column ?? 1) - 1
        var located: [(String, SourceLocation)] = []
        for piece in pieces {
            let target = Array(piece)
            var found: SourceLocation?
            var searchLine = line, searchColumn = column
            while found == nil, searchLine < lines.count, searchLine < line + 50 {
                let chars = lines[searchLine]
                if !target.isEmpty, chars.count >= target.count, searchColumn <= chars.count - target.count {
                    for start in searchColumn...(chars.count - target.count) where Array(chars[start..<(start + target.count)]) == target {
                        found = SourceLocation(file: file, line: searchLine + 1, column: start + 1)
                        line = searchLine
                        column = start + target.count
                        break
                    }
                }
                if found == nil { searchLine += 1; searchColumn = 0 }
            }
            located.append((piece, found ?? location(node)))
        }
        return located
    }

    /// The comment after a value on its line (`# confgate: ignore CG101 -- reason`), found in
    /// the text since YAML trees keep no comments.
    func comment(after node: Node) -> String? {
        guard let mark = node.mark else { return nil }
        return LineComment.after(column: mark.column, onLine: mark.line, in: text, marker: "#")
    }

    private static func located(_ error: YamlError, file: String) -> ConfgateError {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: file, line: mark.line, column: mark.column) }
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let why = [context.map { "\($0.text) at \($0.mark.line):\($0.mark.column)" }, problem]
                .compactMap { $0 }.joined(separator: "; ")
            return ConfgateError(.badInput, "invalid YAML: \(why)", at: at(mark),
                                 details: ["fix the YAML syntax (indentation, a missing `:`, an unclosed quote)"])
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfgateError(.badInput, "invalid YAML: key set twice in one mapping: \(duplicates.joined(separator: ", "))",
                                 at: at(context.mark))
        default:
            return ConfgateError(.badInput, "cannot read \(file) as YAML: \(error)")
        }
    }

    /// The first `{{` outside a comment, 1-based.
    private static func templateMarker(in text: String) -> (line: Int, column: Int)? {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let code = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            if let range = code.range(of: "{{") {
                return (index + 1, code.distance(from: code.startIndex, to: range.lowerBound) + 1)
            }
        }
        return nil
    }
}

extension Node {
    /// The value of `key` in a mapping (matched on the key's text), or `nil`.
    func value(_ key: String) -> Node? {
        guard case .mapping(let mapping) = self else { return nil }
        return mapping.first { $0.key.scalar?.string == key }?.value
    }

    /// The mapping entry for `key`: the key node and its value.
    func entry(_ key: String) -> (key: Node, value: Node)? {
        guard case .mapping(let mapping) = self else { return nil }
        return mapping.first { $0.key.scalar?.string == key }
    }

    /// Follows a path of mapping keys.
    func value(at path: [String]) -> Node? {
        var node: Node? = self
        for key in path { node = node?.value(key) }
        return node
    }

    /// The node's text when it is a scalar.
    var text: String? { scalar?.string }
}

/// Comments that trail a value on its line, in formats whose parsers drop them.
enum LineComment {
    /// The text after the first `marker` that starts at or after `column` on `line` (1-based),
    /// outside quotes, trimmed; `nil` when there is none.
    static func after(column: Int, onLine line: Int, in text: String, marker: Character) -> String? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard line >= 1, line <= lines.count else { return nil }
        let chars = Array(lines[line - 1])
        var quote: Character?
        var index = max(0, column - 1)
        while index < chars.count {
            let c = chars[index]
            if let open = quote {
                if c == open { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == marker, index == 0 || chars[index - 1] == " " || chars[index - 1] == "\t" {
                let rest = String(chars[(index + 1)...]).trimmingBlanks
                return rest.isEmpty ? nil : rest
            }
            index += 1
        }
        return nil
    }
}
