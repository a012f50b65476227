// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import RigwatchCore
import RigwatchSources

extension TraceFileFormat: ExpressibleByArgument {}

struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Work with recorded trace files.",
        subcommands: [Convert.self]
    )

    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "convert",
            abstract: "Convert a trace between the binary and JSON Lines forms.",
            discussion: """
                IN's form is detected from its content. Without --to, OUT's form follows its \
                extension (.jsonl, .json, .ndjson: JSON Lines; .rwtrace, .trace, .bin: binary) \
                and otherwise is the opposite of IN's. A binary trace cut short converts to its \
                whole records, with a warning.
                """
        )

        @Argument(help: "Input trace, binary or JSON Lines.")
        var input: String

        @Argument(help: "Output file; replaced only once the conversion succeeded.")
        var output: String

        @Option(help: "Output form: binary or jsonl.")
        var to: TraceFileFormat?

        func run() throws {
            do {
                try convert()
            } catch {
                // I/O errors name their file already; format errors need the input's name.
                if case .io = error { Log.error(error.description) } else { Log.error("\(input): \(error)") }
                throw ExitCode(2)
            }
        }

        private func convert() throws(TraceError) {
            var stream = try TraceStream(path: input)
            let format = to ?? Self.outputFormat(for: output, input: stream.format)
            // Write beside OUT and rename at the end, so a failure never leaves half a
            // file under OUT's name and IN == OUT is safe (IN is already in memory).
            let temporary = output + ".partial-\(getpid())"
            do throws(TraceError) {
                let writer = try TraceFileWriter(path: temporary, header: stream.header, format: format)
                while let event = try stream.next() { try writer.append(event) }
                try writer.close()
                guard rename(temporary, output) == 0 else { throw .io(path: output, operation: "rename", errno: errno) }
                if let warning = stream.truncation?.description { Log.warning("\(input): \(warning)") }
                Log.info(
                    "converted \(writer.eventCount) events (\(stream.format.rawValue) to \(format.rawValue)): \(output)"
                )
            } catch {
                unlink(temporary)
                // The temporary name is an implementation detail; report OUT.
                if case .io(temporary, let operation, let code) = error {
                    throw .io(path: output, operation: operation, errno: code)
                }
                throw error
            }
        }

        /// Explicit extensions win; anything else means "the other form".
        static func outputFormat(for path: String, input: TraceFileFormat) -> TraceFileFormat {
            let ext = (path as NSString).pathExtension.lowercased()
            if ["jsonl", "json", "ndjson"].contains(ext) { return .jsonl }
            if ["rwtrace", "trace", "bin"].contains(ext) { return .binary }
            return input == .binary ? .jsonl : .binary
        }
    }
}
