// SPDX-License-Identifier: Apache-2.0
import Yams

/// Yams' errors as configuration errors: the line and column of the mistake, a
/// short message, and the offending line under it (never the whole file).
enum YAMLSyntaxError {
    static func configError(_ error: YamlError, text: String, file: String) -> ConfigError {
        let source = SourceLines(text)
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            return located("YAML syntax: \(problem)", context: context, at: mark, source, file)
        case .composer(let context, let problem, let mark, _):
            return located("YAML: \(problem)", context: context, at: mark, source, file)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return duplicateKey(duplicates.first ?? "?", first: context.mark, source, file)
        case .reader(let problem, let offset, _, _):
            let (line, column) = offset.map { position(ofCharacter: $0, in: text) } ?? (0, 0)
            return ConfigError(
                file: file, line: line, column: column, message: "YAML syntax: \(problem)",
                snippet: source.snippet(line: line, column: column))
        default:
            return ConfigError(file: file, line: 0, column: 0, message: "YAML: \(error)")
        }
    }

    /// At the problem, with what libyaml was reading when it found it. A problem at
    /// the end of the file (an unclosed quote or bracket) is reported where the
    /// unclosed thing starts, the line that needs the fix.
    static func located(
        _ message: String, context: YamlError.Context?, at mark: Mark, _ source: SourceLines, _ file: String
    ) -> ConfigError {
        var message = message
        var (line, column) = (mark.line, mark.column)
        if let context, context.mark.line != line || context.mark.column != column {
            if source.isEnd(line: line, column: column) {
                (line, column) = (context.mark.line, context.mark.column)
                message += " \(context.text) that starts here"
            } else {
                message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
        }
        if source.scalar(line: line, column: column) == "\t" { message += "; indent with spaces, not tabs" }
        return ConfigError(
            file: file, line: line, column: column, message: message,
            snippet: source.snippet(line: line, column: column))
    }

    /// At the second time the key is written; Yams names the first.
    static func duplicateKey(_ key: String, first: Mark, _ source: SourceLines, _ file: String) -> ConfigError {
        guard let again = source.repeatOfKey(line: first.line, column: first.column) else {
            return ConfigError(
                file: file, line: first.line, column: first.column,
                message: "YAML: duplicate key '\(key)' (written more than once in this mapping)",
                snippet: source.snippet(line: first.line, column: first.column))
        }
        return ConfigError(
            file: file, line: again.line, column: again.column,
            message: "YAML: duplicate key '\(key)' (first at line \(first.line))",
            snippet: source.snippet(line: again.line, column: again.column))
    }

    /// Line and column (from 1) of the character at `offset`.
    static func position(ofCharacter offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            if character == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }
}
