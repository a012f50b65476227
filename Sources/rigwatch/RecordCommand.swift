import ArgumentParser
import Foundation
import RigwatchCore
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
            writer = try TraceWriter(path: output, header: .live(watchedUids: watched.map(\.uid), sensorVersion: SensorVersion.string))
        } catch {
            Log.error("cannot write trace: \(error)")
            throw ExitCode(2)
        }
        var writeError: Error?
        var lastReport = Date()
        let progressOnTTY = isatty(STDERR_FILENO) == 1
        func report(final: Bool) {
            let line = "recording: \(writer.eventCount) events, \(writer.byteCount) bytes"
            if progressOnTTY && !final {
                FileHandle.standardError.write(Data("\r\(line)".utf8))
            } else if !final {
                Log.info(line)
            }
        }
        try mappingSensorFailures {
            var live = LiveSensor(options: sensor, watchedUids: watched.map(\.uid))
            live.networkInterval = Double(settings.network.snapshotIntervalSeconds)
            live.gpu = sensor.gpuSampling(interval: Double(settings.mining.gpuIntervalSeconds))
            live.configureWatching(settings)
            let result = try live.run(
                onRecord: { raw in
                    guard writeError == nil else { return }
                    do { try writer.append(rawRecord: raw) } catch { writeError = error }
                },
                onDrops: { drops in
                    Log.warning("sensor lost \(drops.lost) events (ring buffer full; \(drops.total) in total)")
                    do { try writer.append(.drops(drops)) } catch { writeError = error }
                },
                afterPoll: {
                    if writeError == nil {
                        do { try writer.flush() } catch { writeError = error }
                    }
                    if Date().timeIntervalSince(lastReport) >= 1 {
                        lastReport = Date()
                        report(final: false)
                    }
                    if writeError != nil { Signals.stopRequested = 1 }
                })
            try writer.close()
            if progressOnTTY { FileHandle.standardError.write(Data("\n".utf8)) }
            if let writeError {
                Log.error("writing \(output) failed, recording stopped: \(writeError)")
                throw ExitCode(1)
            }
            Log.info("recorded \(output): \(writer.eventCount) events, \(writer.byteCount) bytes, \(result.drops) lost, \(String(format: "%.1f", result.seconds))s")
        }
    }
}
