// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// The embed description: what ran. The subject's argv in one code block, then its ancestors
/// in another, one line per process (`pid exe argv…`, nearest first), all as
/// `DiscordShellWords`. Fences are always closed, also when the text inside is cut.
enum DiscordDescription {
    static let commandOpen = "**Command line** (argv as shell words)\n```\n"
    static let emptyArgv = "**Command line**: *empty argv*"
    static let ancestorsOpen = "\n**Ancestors** (pid, exe, argv as shell words; nearest first)\n```\n"
    static let close = "\n```"
    static let ancestorsLeftOut = "\n*Ancestors left out.*"
    static let noProcess = "*No process is attached to this alert.*"
    /// Below this much room a block is not worth showing.
    static let minBlock = 24

    static func render(_ chain: [ProcessSummary], cap: Int) -> BoundedText {
        var out = BoundedText(limit: cap)
        guard let subject = chain.first else {
            out.appendPlain(noProcess)
            return out
        }
        let ancestors = chain.dropFirst()
        let head = subject.argv.isEmpty ? emptyArgv : commandOpen
        let headTail = subject.argv.isEmpty ? "" : close
        let command = { (limit: Int) -> BoundedText in
            var t = BoundedText(limit: limit)
            DiscordShellWords.append(process: subject, withPidAndExe: false, to: &t)
            return t
        }
        let lines = { (limit: Int) -> BoundedText in
            var t = BoundedText(limit: limit)
            for (i, p) in ancestors.enumerated() {
                if t.truncated { break }
                if i > 0 { t.append("\n") }
                DiscordShellWords.append(process: p, withPidAndExe: true, to: &t)
            }
            return t
        }
        let fixed = count(head) + count(headTail)
        let bothAvail = cap - fixed - count(ancestorsOpen) - count(close)

        var commandText = BoundedText(limit: 0)
        var ancestorsText: BoundedText?
        if !ancestors.isEmpty && bothAvail >= 2 * minBlock {
            let fullCommand = command(DiscordLimit.description)
            let fullLines = lines(DiscordLimit.description)
            // The command goes first; the ancestors get what it leaves, and at least half.
            let commandCap = min(fullCommand.count, max(bothAvail / 2, bothAvail - fullLines.count))
            commandText = fullCommand.count <= commandCap ? fullCommand : command(commandCap)
            let linesCap = bothAvail - commandText.count
            ancestorsText = fullLines.count <= linesCap ? fullLines : lines(linesCap)
        } else {
            let note = ancestors.isEmpty ? 0 : count(ancestorsLeftOut)
            let avail = cap - fixed - note
            guard subject.argv.isEmpty || avail >= minBlock, avail >= 0 else {
                out.cut()
                return out
            }
            commandText = command(avail)
        }

        // Each piece fits by construction; appending atom by atom keeps `cap` even if not.
        out.appendPlain(head)
        if !subject.argv.isEmpty {
            out.append(commandText.text)
            out.appendPlain(close)
        }
        if let ancestorsText {
            out.appendPlain(ancestorsOpen)
            out.append(ancestorsText.text)
            out.appendPlain(close)
        } else if !ancestors.isEmpty {
            out.appendPlain(ancestorsLeftOut)
        }
        return out
    }

    private static func count(_ s: String) -> Int { DiscordText.count(s) }
}
