// SPDX-License-Identifier: Apache-2.0
/// The configuration's text as lines of Unicode scalars, addressed as Yams and
/// libyaml address them (line and column from 1, a column per scalar): the
/// excerpt under an error, and where a duplicated key is written again.
struct SourceLines {
    let lines: [[Unicode.Scalar]]

    init(_ text: String) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            Array($0.unicodeScalars.filter { $0 != "\r" })
        }
        if lines.last?.isEmpty == true { lines.removeLast() }  // the final newline ends a line, it starts none
        self.lines = lines
    }

    /// Past the last line, or past the end of the last one: where libyaml puts "end of stream".
    func isEnd(line: Int, column: Int) -> Bool {
        line > lines.count || (line == lines.count && column > lines[line - 1].count)
    }

    func scalar(line: Int, column: Int) -> Unicode.Scalar? {
        guard (1...lines.count).contains(line), (1...lines[line - 1].count).contains(column) else { return nil }
        return lines[line - 1][column - 1]
    }

    /// The line, indented, and a caret under the column; tabs before it kept so the caret lines up.
    func snippet(line: Int, column: Int) -> String? {
        guard (1...lines.count).contains(line) else { return nil }
        let text = lines[line - 1]
        let pad = text.prefix(max(0, column - 1)).map { $0 == "\t" ? "\t" : " " }.joined()
        return "    " + String(String.UnicodeScalarView(text)) + "\n    " + pad + "^"
    }

    /// Where the key written at `line`:`column` is written again in the same mapping:
    /// later on the same line (a flow mapping), or on a later line at the same
    /// indentation before the mapping ends (a block mapping). Nil when neither.
    func repeatOfKey(line: Int, column: Int) -> (line: Int, column: Int)? {
        guard let token = keyToken(line: line, column: column) else { return nil }
        let first = lines[line - 1]
        var i = column - 1 + token.count
        while first[..<(column - 1)].contains("{"), i < first.count {
            if [",", "{", " "].contains(first[i - 1]), isKey(token, in: first, at: i) { return (line, i + 1) }
            i += 1
        }
        let indent = column - 1
        for l in line..<lines.count {
            let text = lines[l]
            guard let start = text.firstIndex(where: { $0 != " " }), text[start] != "#" else { continue }
            if start < indent { return nil }  // the mapping ended
            if start == indent, isKey(token, in: text, at: start) { return (l + 1, start + 1) }
        }
        return nil
    }

    /// The key as written at the position: a quoted scalar with its quotes, or plain up to its colon.
    private func keyToken(line: Int, column: Int) -> [Unicode.Scalar]? {
        guard let open = scalar(line: line, column: column) else { return nil }
        let rest = lines[line - 1].dropFirst(column - 1)
        if open == "\"" || open == "'" {
            guard let close = rest.dropFirst().firstIndex(of: open) else { return nil }
            return Array(rest[rest.startIndex...close])
        }
        let end = rest.indices.first { rest[$0] == ":" && ($0 + 1 == rest.endIndex || rest[$0 + 1] == " ") }
        guard let end else { return nil }
        var token = Array(rest[rest.startIndex..<end])
        while token.last == " " { token.removeLast() }
        return token.isEmpty ? nil : token
    }

    /// `token` at `index`, followed by optional spaces and a colon.
    private func isKey(_ token: [Unicode.Scalar], in text: [Unicode.Scalar], at index: Int) -> Bool {
        guard index + token.count <= text.count, Array(text[index..<(index + token.count)]) == token else {
            return false
        }
        let after = text[(index + token.count)...].drop { $0 == " " }
        return after.first == ":"
    }
}
