// SPDX-License-Identifier: Apache-2.0
import Foundation

/// The nvidia-smi fallback: the two CSV queries, run with a deadline, and
/// their parsing into readings. Used when NVML cannot be loaded.
struct NvidiaSMI {
    static let gpuQuery =
        "--query-gpu=index,uuid,utilization.gpu,utilization.memory,memory.used,memory.total,power.draw,temperature.gpu"
    static let appsQuery = "--query-compute-apps=gpu_uuid,pid,used_memory"
    static let format = "--format=csv,noheader,nounits"

    let path: String
    var timeout: Double

    /// The GPUs with their processes, and the problems met on the way (the GPU
    /// query failing: no readings; the process query failing; lines skipped).
    func read() -> (readings: [GPUReading], problems: [String]) {
        var problems: [String] = []
        guard let gpuLines = query(Self.gpuQuery, &problems) else { return ([], problems) }
        var readings: [GPUReading] = []
        for line in gpuLines {
            switch Self.parseGPU(line) {
            case .success(let reading): readings.append(reading)
            case .failure(let problem): problems.append(problem.description)
            }
        }
        guard !readings.isEmpty else { return (readings, problems) }

        // GPU metrics still count when the process query fails; the error says the list is missing.
        let appLines = query(Self.appsQuery, &problems) ?? []
        var byUUID: [String: [GPUReading.Process]] = [:]
        for line in appLines where line != "No running processes found" {
            switch Self.parseApp(line) {
            case .success(let app): byUUID[app.uuid, default: []].append(app.process)
            case .failure(let problem): problems.append(problem.description)
            }
        }
        for i in readings.indices { readings[i].processes = byUUID[readings[i].uuid] ?? [] }
        return (readings, problems)
    }

    /// Runs one query; its non-empty output lines, or nil with a problem recorded.
    private func query(_ what: String, _ problems: inout [String]) -> [Substring]? {
        switch ChildProcess.run(path, [what, Self.format], timeout: timeout) {
        case .failure(let failure):
            problems.append("nvidia-smi \(what.prefix(while: { $0 != "=" })): \(failure)")
            return nil
        case .success(let output) where output.exitStatus != 0:
            let detail = output.stderr.split(separator: "\n").first ?? output.stdout.split(separator: "\n").first ?? ""
            problems.append(
                "nvidia-smi \(what.prefix(while: { $0 != "=" })) exited with status \(output.exitStatus): \(detail)")
            return nil
        case .success(let output):
            return output.stdout.split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces)[...] }
                .filter { !$0.isEmpty }
        }
    }

    // MARK: - Parsing

    struct ParseError: Error, CustomStringConvertible {
        var line: String
        var reason: String
        var description: String { "nvidia-smi output line skipped (\(reason)): \"\(line)\"" }
    }

    /// `index, uuid, util.gpu %, util.memory %, memory.used MiB, memory.total MiB, power.draw W, temperature °C`
    static func parseGPU(_ line: Substring) -> Result<GPUReading, ParseError> {
        let fields = split(line)
        guard fields.count == 8 else {
            return .failure(ParseError(line: String(line), reason: "expected 8 fields, found \(fields.count)"))
        }
        do {
            guard let index = UInt32(fields[0]) else {
                throw ParseError(line: String(line), reason: "GPU index \"\(fields[0])\" is not a number")
            }
            let uuid = try self.uuid(fields[1], line)
            var reading = GPUReading(index: index, uuid: uuid)
            reading.utilGPU = try number(fields[2], "utilization.gpu", line, max: 100)
            reading.utilMemory = try number(fields[3], "utilization.memory", line, max: 100)
            reading.memoryUsedBytes = try mebibytes(fields[4], "memory.used", line)
            reading.memoryTotalBytes = try mebibytes(fields[5], "memory.total", line)
            reading.powerMilliwatts = try number(fields[6], "power.draw", line, scale: 1000, max: Double(UInt32.max))
            reading.temperatureC = try number(fields[7], "temperature.gpu", line, max: 1000)
            return .success(reading)
        } catch let error as ParseError {
            return .failure(error)
        } catch {
            return .failure(ParseError(line: String(line), reason: "\(error)"))
        }
    }

    /// `gpu_uuid, pid, used_memory MiB`
    static func parseApp(_ line: Substring) -> Result<(uuid: String, process: GPUReading.Process), ParseError> {
        let fields = split(line)
        guard fields.count == 3 else {
            return .failure(ParseError(line: String(line), reason: "expected 3 fields, found \(fields.count)"))
        }
        do {
            let uuid = try self.uuid(fields[0], line)
            guard let pid = UInt32(fields[1]), pid > 0 else {
                throw ParseError(line: String(line), reason: "pid \"\(fields[1])\" is not a process id")
            }
            let memory = try mebibytes(fields[2], "used_memory", line)
            return .success((uuid, GPUReading.Process(pid: pid, usedMemoryBytes: memory)))
        } catch let error as ParseError {
            return .failure(error)
        } catch {
            return .failure(ParseError(line: String(line), reason: "\(error)"))
        }
    }

    private static func split(_ line: Substring) -> [String] {
        line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// What nvidia-smi prints for a value the GPU does not report: read as 0.
    private static let unavailable: Set<String> = ["[N/A]", "N/A", "[Not Supported]", "Not Supported"]

    private static func uuid(_ text: String, _ line: Substring) throws -> String {
        guard !text.isEmpty, !unavailable.contains(text), text.utf8.count < GPUSampleRecord.uuidBytes,
            text.allSatisfy({ $0.isASCII && !$0.isWhitespace })
        else {
            throw ParseError(line: String(line), reason: "\"\(text)\" is not a GPU UUID")
        }
        return text
    }

    /// A non-negative decimal times `scale`, rounded; unavailable → 0.
    private static func value(
        _ text: String, _ name: String, _ line: Substring, scale: Double, max: Double
    ) throws -> Double {
        if unavailable.contains(text) { return 0 }
        guard let parsed = Double(text), parsed.isFinite, parsed >= 0, (parsed * scale).rounded() <= max else {
            throw ParseError(line: String(line), reason: "\(name) \"\(text)\" is not a number in range")
        }
        return (parsed * scale).rounded()
    }

    private static func number(
        _ text: String, _ name: String, _ line: Substring, scale: Double = 1, max: Double
    ) throws -> UInt32 {
        UInt32(try value(text, name, line, scale: scale, max: max))
    }

    private static func mebibytes(_ text: String, _ name: String, _ line: Substring) throws -> UInt64 {
        // 2^44 MiB (16 EiB) keeps bytes in UInt64; Double holds such MiB counts exactly.
        UInt64(try value(text, name, line, scale: 1, max: Double(1 << 44))) << 20
    }
}
