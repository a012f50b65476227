// SPDX-License-Identifier: Apache-2.0
/// A getopt-style reading of a command line, enough to tell an option's value from
/// an operand: `-t DIR`, `-tDIR`, `-aG docker` (a bundle whose last letter takes
/// the next word), `--target-directory=DIR`, `--target-directory DIR`, and `--`
/// ending the options. Which options take a value is the caller's table; an
/// unknown option is taken to take none (the reading errs towards more operands).
struct CommandOptions {
    enum Item: Equatable {
        /// `name` as spelt ("-t", "--target-directory"), with its value when it takes one.
        case option(String, String?)
        case operand(String)
    }

    var items: [Item] = []

    /// `valued`: the options that take a value ("-t", "--target-directory"). Name lists
    /// here and in `has`/`values(of:)` are any collection: a short literal is searched
    /// as an array, not hashed into a new Set on every exec; long tables are static Sets.
    /// `stopAtFirstOperand`: everything after the first operand is an operand too
    /// (a command and its own arguments: `docker run IMAGE CMD…`, `env VAR=x CMD…`).
    /// `leadingOperands`: with it, that many operands come before the one that ends
    /// the options (`timeout DURATION CMD…`, `flock FILE -c CMD`).
    init(
        _ args: some Collection<String>, valued: some Collection<String>, stopAtFirstOperand: Bool = false,
        leadingOperands: Int = 0
    ) {
        var words = args.makeIterator()
        var optionsEnded = false
        var operandsBeforeEnd = leadingOperands
        while let word = words.next() {
            if optionsEnded || word == "-" || !word.hasPrefix("-") {
                items.append(.operand(word))
                if stopAtFirstOperand && !optionsEnded {
                    if operandsBeforeEnd > 0 { operandsBeforeEnd -= 1 } else { optionsEnded = true }
                }
                continue
            }
            if word == "--" {
                optionsEnded = true
                continue
            }
            if word.hasPrefix("--") {
                if let eq = word.firstIndex(of: "=") {
                    items.append(.option(String(word[..<eq]), String(word[word.index(after: eq)...])))
                } else if valued.contains(word) {
                    items.append(.option(word, words.next() ?? ""))
                } else {
                    items.append(.option(word, nil))
                }
                continue
            }
            // A bundle of short options: the first one that takes a value ends it.
            var letters = word.dropFirst()[...]
            while let letter = letters.popFirst() {
                let name = "-" + String(letter)
                if valued.contains(name) {
                    items.append(.option(name, letters.isEmpty ? (words.next() ?? "") : String(letters)))
                    break
                }
                items.append(.option(name, nil))
            }
        }
    }

    var operands: [String] {
        items.compactMap {
            if case .operand(let word) = $0 { return word }
            return nil
        }
    }

    /// The values of the named options, in order.
    func values(of names: some Collection<String>) -> [String] {
        items.compactMap {
            if case .option(let name, let value?) = $0, names.contains(name) { return value }
            return nil
        }
    }

    func has(_ names: some Collection<String>) -> Bool {
        items.contains {
            if case .option(let name, _) = $0 { return names.contains(name) }
            return false
        }
    }
}
