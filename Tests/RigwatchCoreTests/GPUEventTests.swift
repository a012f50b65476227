// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchSources
import XCTest

/// The GPU sample record (`struct rw_gpu_sample`, kind 66): binary layout, JSON,
/// text and the JSON Lines reader.
final class GPUEventTests: XCTestCase {
    static let uuid = "GPU-5b3a1c2e-8f41-4d7a-9c0e-1f2a3b4c5d6e"

    static func sample(processes: Int = 3, source: GPUSampleEvent.Source = .nvml) -> GPUSampleEvent {
        var s = GPUSampleEvent(
            timestampNs: 123_500_000_000, gpuIndex: 1, utilGPU: 97, utilMemory: 41, temperatureC: 71,
            powerMilliwatts: 251_500, memoryUsedBytes: 9 << 30, memoryTotalBytes: 24 << 30, uuid: uuid,
            processes: (0..<processes).map { .init(pid: 4000 + UInt32($0), usedMemoryBytes: UInt64($0 + 1) << 30) })
        s.source = source
        return s
    }

    private func u32(_ b: [UInt8], _ at: Int) -> UInt32 {
        b[at..<(at + 4)].reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }
    private func u16(_ b: [UInt8], _ at: Int) -> UInt16 { UInt16(b[at]) | UInt16(b[at + 1]) << 8 }

    func testLayoutMatchesTheABI() {
        XCTAssertEqual(KernelABI.gpuSampleFixedSize, 168)
        XCTAssertEqual(KernelABI.gpuProcessSize, 16)
        XCTAssertEqual(KernelABI.gpuMaxProcesses, 32)
        let bytes = EventEncoder.encode(.gpuSample(Self.sample()))
        XCTAssertEqual(bytes.count, 168 + 3 * 16)
        XCTAssertEqual(u16(bytes, 0), 66, "kind RW_EVENT_GPU_SAMPLE")
        XCTAssertEqual(Int(u16(bytes, 2)), bytes.count)
        XCTAssertEqual(u32(bytes, 4), KernelABI.version)
        XCTAssertEqual(u32(bytes, 44), noLineage, "the header carries only the time")
        XCTAssertEqual(Array(bytes[16..<44]), [UInt8](repeating: 0, count: 28))
        XCTAssertEqual(u32(bytes, 72), 1, "gpu_index")
        XCTAssertEqual(u32(bytes, 76), 1, "flags: from NVML")
        XCTAssertEqual(u32(bytes, 80), 97)
        XCTAssertEqual(u32(bytes, 112), 3, "nprocs")
        XCTAssertEqual(u32(bytes, 116), 0, "reserved")
        XCTAssertEqual(String(decoding: bytes[120..<(120 + Self.uuid.utf8.count)], as: UTF8.self), Self.uuid)
        XCTAssertEqual(
            Array(bytes[(120 + Self.uuid.utf8.count)..<168]), [UInt8](repeating: 0, count: 48 - Self.uuid.utf8.count))
        XCTAssertEqual(u32(bytes, 168), 4000, "first process pid")
        XCTAssertEqual(u32(bytes, 172), 0, "process padding is zeroed")
    }

    func testBinaryRoundTripIsByteIdentical() throws {
        for count in [0, 1, 3, 32] {
            let event = Event.gpuSample(Self.sample(processes: count, source: count == 1 ? .nvidiaSMI : .nvml))
            let bytes = EventEncoder.encode(event)
            let decoded = try EventDecoder.decode(bytes)
            XCTAssertEqual(decoded, event)
            XCTAssertEqual(EventEncoder.encode(decoded), bytes)
            XCTAssertEqual(decoded.kindName, "gpu_sample")
        }
    }

    func testEncodingMoreProcessesThanFitMarksTheSampleTruncated() throws {
        let bytes = EventEncoder.encode(.gpuSample(Self.sample(processes: 40)))
        XCTAssertEqual(bytes.count, 168 + 32 * 16)
        guard case .gpuSample(let decoded) = try EventDecoder.decode(bytes) else { return XCTFail("not a GPU sample") }
        XCTAssertEqual(decoded.processes.count, 32)
        XCTAssertTrue(decoded.procsTruncated)
    }

    func testAUUIDFillingTheFieldKeepsNoNUL() throws {
        var sample = Self.sample(processes: 0)
        sample.uuid = String(repeating: "u", count: 48)
        let bytes = EventEncoder.encode(.gpuSample(sample))
        XCTAssertEqual(try EventDecoder.decode(bytes), .gpuSample(sample))
    }

    func testDecoderRefusesBadProcessCountsAndSizes() {
        var bytes = EventEncoder.encode(.gpuSample(Self.sample(processes: 2)))
        // nprocs says 3 but the record holds 2.
        bytes[112] = 3
        XCTAssertThrowsError(try EventDecoder.decode(bytes)) {
            XCTAssertEqual($0 as? DecodeError, .badGPUSampleSize(processes: 3, size: 200, expected: 216))
            XCTAssertEqual(String(describing: $0), "GPU sample with 3 processes is 200 bytes, expected 216")
        }
        bytes[112] = 33
        XCTAssertThrowsError(try EventDecoder.decode(bytes)) {
            XCTAssertEqual($0 as? DecodeError, .tooManyGPUProcesses(count: 33, max: 32))
        }
        // A record shorter than the fixed part.
        var short = Array(EventEncoder.encode(.gpuSample(Self.sample(processes: 0))).prefix(100))
        short[2] = 100
        short[3] = 0
        XCTAssertThrowsError(try EventDecoder.decode(short)) {
            XCTAssertEqual($0 as? DecodeError, .tooShort(have: 100, need: 168))
        }
    }

    func testJSONNamesEveryField() {
        let json = EventFormat.json(.gpuSample(Self.sample(processes: 2)), origin: .unknown)
        XCTAssertEqual(
            json,
            """
            {"type":"gpu_sample","time":"1970-01-01T00:02:03.500000Z","host":"unknown","ts_ns":123500000000,"gpu_index":1,"uuid":"\(Self.uuid)","source":"nvml",\
            "util_gpu":97,"util_memory":41,"temperature_c":71,"power_mw":251500,"memory_used_bytes":9663676416,\
            "memory_total_bytes":25769803776,"processes":[{"pid":4000,"used_memory_bytes":1073741824},\
            {"pid":4001,"used_memory_bytes":2147483648}],"procs_truncated":false}
            """)
        XCTAssertTrue(
            EventFormat.json(.gpuSample(Self.sample(processes: 0, source: .nvidiaSMI)), origin: .unknown).contains(
                #""source":"nvidia-smi""#))
    }

    func testTextLine() {
        let text = EventFormat.text(.gpuSample(Self.sample(processes: 1)), origin: .unknown)
        XCTAssertEqual(
            text,
            "1970-01-01T00:02:03.500000Z unknown gpu_sample gpu=1 source=nvml util=97% mem_util=41% temp=71C power=251500mW "
                + "mem=9216/24576MiB procs=[4000:1024MiB] uuid=\(Self.uuid)")
    }

    func testJSONLRoundTripThroughTheTraceReader() throws {
        let events: [Event] = [
            .gpuSample(Self.sample(processes: 0)), .gpuSample(Self.sample(processes: 3, source: .nvidiaSMI)),
            .gpuSample(Self.sample(processes: 32)),
        ]
        var sources = events
        if case .gpuSample(var s) = sources[2] {
            s.procsTruncated = true
            s.source = .unknown
            sources[2] = .gpuSample(s)
        }
        let text = sources.map { EventFormat.json($0, origin: .unknown) }.joined(separator: "\n") + "\n"
        let read = try TraceFile.read(bytes: Array(text.utf8))
        XCTAssertEqual(read.events, sources)
        // And the binary trace format carries the kind unchanged.
        let dir = NSTemporaryDirectory() + "rigwatch-gpu-tests-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try TraceFile.write(header: TraceHeader(), events: sources, to: dir + "/gpu.rwtrace", format: .binary)
        XCTAssertEqual(try TraceFile.read(path: dir + "/gpu.rwtrace").events, sources)
    }

    private func jsonlError(_ line: String) -> String {
        do {
            _ = try TraceFile.read(bytes: Array(("# comment\n" + line + "\n").utf8))
            return "no error"
        } catch {
            return String(describing: error)
        }
    }

    func testJSONLReaderErrorsNameTheLineAndField() {
        let good = EventFormat.json(.gpuSample(Self.sample(processes: 1)), origin: .unknown)
        XCTAssertTrue(jsonlError(good.replacingOccurrences(of: #""util_gpu":97,"#, with: "")).contains("line 2"))
        XCTAssertTrue(jsonlError(good.replacingOccurrences(of: #""util_gpu":97,"#, with: "")).contains("util_gpu"))
        let badSource = jsonlError(good.replacingOccurrences(of: #""nvml""#, with: #""dcgm""#))
        XCTAssertTrue(
            badSource.contains("line 2") && badSource.contains("source") && badSource.contains("nvidia-smi"), badSource)
        let badPid = jsonlError(good.replacingOccurrences(of: #""pid":4000"#, with: #""pid":-1"#))
        XCTAssertTrue(badPid.contains("processes[0].pid"), badPid)
        let longUUID = jsonlError(good.replacingOccurrences(of: Self.uuid, with: String(repeating: "x", count: 49)))
        XCTAssertTrue(longUUID.contains("uuid") && longUUID.contains("48"), longUUID)
        let tooMany = EventFormat.json(.gpuSample(Self.sample(processes: 32)), origin: .unknown)
            .replacingOccurrences(of: #""processes":["#, with: #""processes":[{"pid":1,"used_memory_bytes":0},"#)
        XCTAssertTrue(jsonlError(tooMany).contains("at most 32"), jsonlError(tooMany))
        let badBool = jsonlError(
            good.replacingOccurrences(of: #""procs_truncated":false"#, with: #""procs_truncated":0"#))
        XCTAssertTrue(badBool.contains("procs_truncated") && badBool.contains("true or false"), badBool)
    }
}
