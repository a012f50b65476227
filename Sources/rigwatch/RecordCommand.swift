// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import RigwatchConfig
import RigwatchCore
import RigwatchService
import RigwatchSources

struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record every kernel event to a binary trace file, for replay."
    )

    @OptionGroup var sensor: SensorOptions
    @OptionGroup var config: ConfigOption

    @Option(name: .shortAndLong, help: "Trace file to write (created 0600, replaced if present).")
    var output: String

    func run() throws {
        let (settings, watched) = try sensorSetup(sensor, config)
        let writer: TraceWriter
        do {
            writer = try TraceWriter(
                path: output, header: .live(watchedUids: watched.map(\.uid), sensorVersion: SensorVersion.string))
        } catch {
            Log.error("cannot write trace: \(error)")
            throw ExitCode(2)
        }
        let recording = TraceRecording(writer: writer)
        try mappingSensorFailures {
            let gpu = sensor.gpuSampling(interval: Double(settings.mining.gpuIntervalSeconds))
            let live = LiveSensor(options: sensor, settings: settings, watchedUids: watched.map(\.uid), gpu: gpu)
            let result = try live.run(into: recording)
            try writer.close()
            if recording.progressOnTTY { FileHandle.standardError.write(Data("\n".utf8)) }
            if let writeError = recording.writeError {
                Log.error("writing \(output) failed, recording stopped: \(writeError)")
                throw ExitCode(1)
            }
            Log.info(
                "recorded \(output): \(writer.eventCount) events, \(writer.byteCount) bytes, \(result.drops) lost, \(String(format: "%.1f", result.seconds))s"
            )
        }
    }
}

/// `record`'s sink: every record appended to the trace as it came, lost counts as
/// drops records, a flush and a progress line (each second) after each batch. A
/// failed write stops the recording.
final class TraceRecording: RecordSink {
    let writer: TraceWriter
    private(set) var writeError: Error?
    private var lastReport = Date()
    let progressOnTTY = isatty(STDERR_FILENO) == 1

    init(writer: TraceWriter) { self.writer = writer }

    func sourceReady(_ source: RecordSource) {}

    func record(_ raw: UnsafeRawBufferPointer) {
        guard writeError == nil else { return }
        do { try writer.append(rawRecord: raw) } catch { writeError = error }
    }

    func drops(_ drops: DropsEvent) {
        Log.warning("sensor lost \(drops.lost) events (ring buffer full; \(drops.total) in total)")
        do { try writer.append(.drops(drops)) } catch { writeError = error }
    }

    func afterPoll() {
        if writeError == nil {
            do { try writer.flush() } catch { writeError = error }
        }
        if Date().timeIntervalSince(lastReport) >= 1 {
            lastReport = Date()
            report()
        }
        if writeError != nil { Signals.stopRequested = 1 }
    }

    private func report() {
        let line = "recording: \(writer.eventCount) events, \(writer.byteCount) bytes"
        if progressOnTTY {
            FileHandle.standardError.write(Data("\r\(line)".utf8))
        } else {
            Log.info(line)
        }
    }
}
