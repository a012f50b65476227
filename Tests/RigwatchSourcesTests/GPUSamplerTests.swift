// SPDX-License-Identifier: Apache-2.0
import CRigwatchABI
import Foundation
import RigwatchSources
import RigwatchTestSupport
import XCTest

/// The GPU sampler through its real entry points: a stand-in NVML built here
/// and loaded with dlopen (Tests/Fixtures/nvml/fake_nvml.c), a stand-in
/// nvidia-smi for the fallback, and hosts with neither. Records are decoded
/// as the C struct of bpf/events.h and checked field by field.
final class GPUSamplerTests: XCTestCase {
    private var directory = ""
    private static let fixtures = Repo.fixture("nvml")

    private let uuid0 = "GPU-8f6f4a2c-3b1d-4e5f-9a7b-0c1d2e3f4a5b"
    private let uuid1 = "GPU-11111111-2222-3333-4444-555555555555"
    private let missing = "/nonexistent/rigwatch-test"

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "rigwatch-gpu-tests-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        unsetenv("RW_FAKE_NVML_SCRIPT")
        unsetenv("RW_FAKE_SMI_SCRIPT")
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: - Fixtures

    /// Compiles the stand-in NVML with `defines` into the test's directory.
    private struct BuildFailed: Error, CustomStringConvertible { var description: String }

    private func fakeNVML(_ defines: [String] = []) throws -> String {
        let output = directory + "/libfake-nvml-\(UUID().uuidString).so"
        let cc = Process()
        cc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        cc.arguments = ["cc", "-shared", "-fPIC", "-O1", "-o", output] + defines + [Self.fixtures + "/fake_nvml.c"]
        try cc.run()
        cc.waitUntilExit()
        guard cc.terminationStatus == 0 else {
            throw BuildFailed(
                description:
                    "cc failed (status \(cc.terminationStatus)) to build the stand-in NVML from \(Self.fixtures)/fake_nvml.c"
            )
        }
        return output
    }

    /// The stand-in nvidia-smi, copied executable (the checkout may not keep the mode).
    private func fakeSMI() throws -> String {
        let path = directory + "/nvidia-smi"
        try FileManager.default.copyItem(atPath: Self.fixtures + "/nvidia-smi", toPath: path)
        chmod(path, 0o755)
        return path
    }

    private func nvmlScript(_ lines: [String]) throws {
        let path = directory + "/nvml-script"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        setenv("RW_FAKE_NVML_SCRIPT", path, 1)
    }

    private func smiScript(_ lines: [String]) throws {
        let path = directory + "/smi-script"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        setenv("RW_FAKE_SMI_SCRIPT", path, 1)
    }

    private func collect(
        _ sampler: GPUSampler, at nowNs: UInt64, file: StaticString = #filePath, line: UInt = #line
    ) -> [[UInt8]] {
        var records: [[UInt8]] = []
        let count = sampler.sample(nowNs: nowNs) { records.append([UInt8]($0)) }
        XCTAssertEqual(count, records.count, "sample() returns the number of records emitted", file: file, line: line)
        return records
    }

    // MARK: - Decoding (the C struct, not RigwatchCore's event model)

    private struct Expected {
        var index: UInt32
        var flags: UInt32
        var uuid: String
        var utilGPU: UInt32 = 0
        var utilMemory: UInt32 = 0
        var temperatureC: UInt32 = 0
        var powerMilliwatts: UInt32 = 0
        var memoryUsedBytes: UInt64 = 0
        var memoryTotalBytes: UInt64 = 0
        var processes: [(pid: UInt32, bytes: UInt64)] = []
    }

    private static let fixedBytes = MemoryLayout<rw_gpu_sample>.offset(of: \rw_gpu_sample.procs)!

    private func decode(_ bytes: [UInt8]) -> rw_gpu_sample {
        var record = rw_gpu_sample()
        withUnsafeMutableBytes(of: &record) { raw in
            bytes.withUnsafeBytes { raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(raw.count))) }
        }
        return record
    }

    private func uuid(of record: rw_gpu_sample) -> (text: String, padding: [UInt8]) {
        var copy = record
        let bytes = withUnsafeBytes(of: &copy.uuid) { [UInt8]($0) }
        let text = bytes.prefix(while: { $0 != 0 })
        return (String(decoding: text, as: UTF8.self), Array(bytes[text.count...]))
    }

    private func processes(of record: rw_gpu_sample) -> [rw_gpu_process] {
        var copy = record
        return withUnsafeBytes(of: &copy.procs) {
            Array($0.bindMemory(to: rw_gpu_process.self).prefix(Int(record.nprocs)))
        }
    }

    private func assertRecord(
        _ bytes: [UInt8], _ expected: Expected, at nowNs: UInt64,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let kept = min(expected.processes.count, Int(RW_GPU_MAX_PROCS))
        XCTAssertEqual(bytes.count, Self.fixedBytes + 16 * kept, "record length", file: file, line: line)
        XCTAssertEqual(Self.fixedBytes, 168, file: file, line: line)
        let r = decode(bytes)
        XCTAssertEqual(r.hdr.kind, UInt16(RW_EVENT_GPU_SAMPLE.rawValue), file: file, line: line)
        XCTAssertEqual(Int(r.hdr.size), bytes.count, "hdr.size", file: file, line: line)
        XCTAssertEqual(r.hdr.abi_version, UInt32(RW_ABI_VERSION), file: file, line: line)
        XCTAssertEqual(r.hdr.timestamp_ns, nowNs, file: file, line: line)
        XCTAssertEqual(
            [r.hdr.pid, r.hdr.tgid, r.hdr.ppid, r.hdr.uid, r.hdr.euid, r.hdr.gid, r.hdr.egid], [0, 0, 0, 0, 0, 0, 0],
            "header ids are 0", file: file, line: line)
        XCTAssertEqual(r.hdr.lineage_uid, 0xffff_ffff, file: file, line: line)
        XCTAssertEqual(r.hdr.cgroup_id, 0, file: file, line: line)
        var header = r.hdr
        XCTAssertEqual(
            withUnsafeBytes(of: &header.comm) { [UInt8]($0) }, [UInt8](repeating: 0, count: 16), "comm is zero",
            file: file, line: line)
        XCTAssertEqual(r.gpu_index, expected.index, "gpu_index", file: file, line: line)
        XCTAssertEqual(r.flags, expected.flags, "flags", file: file, line: line)
        XCTAssertEqual(r.util_gpu, expected.utilGPU, "util_gpu", file: file, line: line)
        XCTAssertEqual(r.util_memory, expected.utilMemory, "util_memory", file: file, line: line)
        XCTAssertEqual(r.temperature_c, expected.temperatureC, "temperature_c", file: file, line: line)
        XCTAssertEqual(r.power_mw, expected.powerMilliwatts, "power_mw", file: file, line: line)
        XCTAssertEqual(r.memory_used_bytes, expected.memoryUsedBytes, "memory_used_bytes", file: file, line: line)
        XCTAssertEqual(r.memory_total_bytes, expected.memoryTotalBytes, "memory_total_bytes", file: file, line: line)
        XCTAssertEqual(Int(r.nprocs), kept, "nprocs", file: file, line: line)
        XCTAssertEqual(r.reserved, 0, file: file, line: line)
        let (text, padding) = uuid(of: r)
        XCTAssertEqual(text, expected.uuid, "uuid", file: file, line: line)
        XCTAssertTrue(padding.allSatisfy { $0 == 0 }, "uuid is NUL-padded", file: file, line: line)
        let procs = processes(of: r)
        XCTAssertEqual(procs.map(\.pid), expected.processes.prefix(kept).map(\.pid), "pids", file: file, line: line)
        XCTAssertEqual(
            procs.map(\.used_memory_bytes), expected.processes.prefix(kept).map(\.bytes), "process memory", file: file,
            line: line)
        XCTAssertEqual(
            procs.map(\.reserved), Array(repeating: 0, count: procs.count), "process reserved", file: file, line: line)
    }

    private let nvml = UInt32(RW_GPU_FROM_NVML)
    private let smi = UInt32(RW_GPU_FROM_NVIDIA_SMI)
    private let truncated = UInt32(RW_GPU_PROCS_TRUNC)

    // MARK: - NVML

    func testNVMLSamplesTwoGPUsWithTheirProcesses() throws {
        let library = try fakeNVML()
        try nvmlScript([
            "# index uuid util mem_util used total power_mw temp procs",
            "0 \(uuid0) 97 41 12884901888 85899345920 287500 71 4242:8589934592,4243:1048576",
            "1 \(uuid1) 0 0 524288 25769803776 18250 33 -",
        ])
        let sampler = GPUSampler.open(nvmlLibrary: library, nvidiaSMI: missing)
        XCTAssertEqual(sampler.backend, .nvml(library: library))
        XCTAssertNil(sampler.nvmlError)

        let records = collect(sampler, at: 5_000_000_000)
        XCTAssertNil(sampler.lastError)
        XCTAssertEqual(records.count, 2)
        guard records.count == 2 else { return }
        assertRecord(
            records[0],
            Expected(
                index: 0, flags: nvml, uuid: uuid0, utilGPU: 97, utilMemory: 41, temperatureC: 71,
                powerMilliwatts: 287_500, memoryUsedBytes: 12 << 30, memoryTotalBytes: 80 << 30,
                processes: [(4242, 8 << 30), (4243, 1 << 20)]), at: 5_000_000_000)
        assertRecord(
            records[1],
            Expected(
                index: 1, flags: nvml, uuid: uuid1, temperatureC: 33, powerMilliwatts: 18_250,
                memoryUsedBytes: 512 << 10, memoryTotalBytes: 24 << 30), at: 5_000_000_000)
    }

    func testNVMLValuesChangeBetweenSamples() throws {
        let library = try fakeNVML()
        try nvmlScript(["0 \(uuid0) 3 1 1048576 85899345920 60000 35 -"])
        let sampler = GPUSampler.open(nvmlLibrary: library, nvidiaSMI: missing)
        let first = collect(sampler, at: 1_000)
        XCTAssertEqual(first.count, 1)
        guard first.count == 1 else { return }
        assertRecord(
            first[0],
            Expected(
                index: 0, flags: nvml, uuid: uuid0, utilGPU: 3, utilMemory: 1, temperatureC: 35,
                powerMilliwatts: 60_000, memoryUsedBytes: 1 << 20, memoryTotalBytes: 80 << 30), at: 1_000)

        try nvmlScript(["0 \(uuid0) 100 88 42949672960 85899345920 349000 82 31337:42949672960"])
        let second = collect(sampler, at: 2_001_000)
        XCTAssertEqual(second.count, 1)
        guard second.count == 1 else { return }
        assertRecord(
            second[0],
            Expected(
                index: 0, flags: nvml, uuid: uuid0, utilGPU: 100, utilMemory: 88, temperatureC: 82,
                powerMilliwatts: 349_000, memoryUsedBytes: 40 << 30, memoryTotalBytes: 80 << 30,
                processes: [(31337, 40 << 30)]), at: 2_001_000)
    }

    func testNVMLNotSupportedMetricsAreZero() throws {
        let library = try fakeNVML()
        try nvmlScript(["0 \(uuid0) NS NS NS NS NS NS NS"])
        let sampler = GPUSampler.open(nvmlLibrary: library, nvidiaSMI: missing)
        let records = collect(sampler, at: 7)
        XCTAssertNil(sampler.lastError, "NOT_SUPPORTED is not a failure")
        XCTAssertEqual(records.count, 1)
        guard let record = records.first else { return }
        assertRecord(record, Expected(index: 0, flags: nvml, uuid: uuid0), at: 7)
    }

    func testNVMLMoreThan32ProcessesSetsTheTruncatedFlag() throws {
        let library = try fakeNVML()
        let processes = (0..<40).map { (pid: UInt32(1000 + $0), bytes: UInt64($0 + 1) << 20) }
        let list = processes.map { "\($0.pid):\($0.bytes)" }.joined(separator: ",")
        try nvmlScript(["0 \(uuid0) 100 50 1073741824 85899345920 300000 80 \(list)"])
        let sampler = GPUSampler.open(nvmlLibrary: library, nvidiaSMI: missing)
        let records = collect(sampler, at: 9)
        XCTAssertEqual(records.count, 1)
        guard let record = records.first else { return }
        assertRecord(
            record,
            Expected(
                index: 0, flags: nvml | truncated, uuid: uuid0, utilGPU: 100, utilMemory: 50, temperatureC: 80,
                powerMilliwatts: 300_000, memoryUsedBytes: 1 << 30, memoryTotalBytes: 80 << 30,
                processes: processes), at: 9)
        XCTAssertEqual(record.count, 168 + 32 * 16)
    }

    /// Older drivers: _v2 (24-byte entries) or the unsuffixed call (16-byte entries).
    func testNVMLOlderProcessAPIsAndUnavailableProcessMemory() throws {
        for api in ["2", "1"] {
            let library = try fakeNVML(["-DPROCESS_API=\(api)"])
            try nvmlScript(["0 \(uuid0) 50 10 2097152 85899345920 100000 50 11:1048576,22:NA,33:3145728"])
            let sampler = GPUSampler.open(nvmlLibrary: library, nvidiaSMI: missing)
            XCTAssertEqual(sampler.backend, .nvml(library: library), "process API \(api)")
            let records = collect(sampler, at: 11)
            XCTAssertEqual(records.count, 1, "process API \(api)")
            guard let record = records.first else { continue }
            assertRecord(
                record,
                Expected(
                    index: 0, flags: nvml, uuid: uuid0, utilGPU: 50, utilMemory: 10, temperatureC: 50,
                    powerMilliwatts: 100_000, memoryUsedBytes: 2 << 20, memoryTotalBytes: 80 << 30,
                    processes: [(11, 1 << 20), (22, 0), (33, 3 << 20)]), at: 11)
        }
    }

    func testNVMLLostGPUIsSkippedWithAnError() throws {
        let library = try fakeNVML()
        try nvmlScript([
            "0 \(uuid0) 10 5 1048576 85899345920 70000 40 -",
            "1 \(uuid1) 10 5 1048576 85899345920 LOST 40 -",
        ])
        let sampler = GPUSampler.open(nvmlLibrary: library, nvidiaSMI: missing)
        let records = collect(sampler, at: 13)
        XCTAssertEqual(records.count, 1)
        XCTAssertEqual(sampler.lastError, "nvmlDeviceGetPowerUsage (GPU 1) failed: GPU is lost (NVML error 15)")
        guard let record = records.first else { return }
        XCTAssertEqual(decode(record).gpu_index, 0)
    }

    func testNVMLInitFailureIsReported() throws {
        let library = try fakeNVML()
        try nvmlScript(["init_error 9"])
        let sampler = GPUSampler.open(nvmlLibrary: library, nvidiaSMI: missing)
        XCTAssertEqual(sampler.nvmlError, "\(library): nvmlInit_v2 failed: Driver Not Loaded (NVML error 9)")
        guard case .none(let reason) = sampler.backend else { return XCTFail("expected .none, got \(sampler.backend)") }
        XCTAssertTrue(reason.contains("nvmlInit_v2 failed: Driver Not Loaded"), reason)
    }

    func testLibraryMissingASymbolNamesItAndFallsBackToNvidiaSMI() throws {
        let library = try fakeNVML(["-DOMIT_UUID"])
        let smiPath = try fakeSMI()
        try smiScript(["gpu: 0, \(uuid0), 1, 0, 0, 81559, 60.00, 30"])
        let sampler = GPUSampler.open(nvmlLibrary: library, nvidiaSMI: smiPath)
        let error = try XCTUnwrap(sampler.nvmlError)
        XCTAssertTrue(error.hasPrefix("\(library) has no nvmlDeviceGetUUID ("), error)
        XCTAssertEqual(sampler.backend, .nvidiaSMI(path: smiPath))
        XCTAssertEqual(collect(sampler, at: 1).count, 1)
    }

    // MARK: - nvidia-smi fallback

    func testNvidiaSMIFallbackConvertsUnits() throws {
        let smiPath = try fakeSMI()
        try smiScript([
            "gpu: 0, \(uuid0), 97, 41, 12288, 81559, 287.50, 71",
            "gpu: 1, \(uuid1), 0, 0, 1, 24576, 18.25, 33",
            "app: \(uuid0), 4242, 8192",
            "app: \(uuid0), 4243, 1",
        ])
        let sampler = GPUSampler.open(nvmlLibrary: missing, nvidiaSMI: smiPath)
        XCTAssertEqual(sampler.backend, .nvidiaSMI(path: smiPath))
        XCTAssertTrue(sampler.nvmlError?.hasPrefix("\(missing) not loadable (") ?? false, sampler.nvmlError ?? "nil")

        let records = collect(sampler, at: 5_000_000_000)
        XCTAssertNil(sampler.lastError)
        XCTAssertEqual(records.count, 2)
        guard records.count == 2 else { return }
        assertRecord(
            records[0],
            Expected(
                index: 0, flags: smi, uuid: uuid0, utilGPU: 97, utilMemory: 41, temperatureC: 71,
                powerMilliwatts: 287_500, memoryUsedBytes: 12288 << 20, memoryTotalBytes: 81559 << 20,
                processes: [(4242, 8 << 30), (4243, 1 << 20)]), at: 5_000_000_000)
        assertRecord(
            records[1],
            Expected(
                index: 1, flags: smi, uuid: uuid1, temperatureC: 33, powerMilliwatts: 18_250,
                memoryUsedBytes: 1 << 20, memoryTotalBytes: 24 << 30), at: 5_000_000_000)

        try smiScript(["gpu: 0, \(uuid0), 100, 90, 40960, 81559, 349.99, 84", "app: \(uuid0), 31337, 40960"])
        let second = collect(sampler, at: 7_000_000_000)
        XCTAssertEqual(second.count, 1)
        guard let record = second.first else { return }
        assertRecord(
            record,
            Expected(
                index: 0, flags: smi, uuid: uuid0, utilGPU: 100, utilMemory: 90, temperatureC: 84,
                powerMilliwatts: 349_990, memoryUsedBytes: 40 << 30, memoryTotalBytes: 81559 << 20,
                processes: [(31337, 40 << 30)]), at: 7_000_000_000)
    }

    func testNvidiaSMIUnavailableValuesAreZero() throws {
        let smiPath = try fakeSMI()
        try smiScript([
            "gpu: 0, \(uuid0), [N/A], [Not Supported], [N/A], 81559, [N/A], [Not Supported]",
            "app: \(uuid0), 777, [N/A]",
        ])
        let sampler = GPUSampler.open(nvmlLibrary: missing, nvidiaSMI: smiPath)
        let records = collect(sampler, at: 3)
        XCTAssertNil(sampler.lastError)
        XCTAssertEqual(records.count, 1)
        guard let record = records.first else { return }
        assertRecord(
            record, Expected(index: 0, flags: smi, uuid: uuid0, memoryTotalBytes: 81559 << 20, processes: [(777, 0)]),
            at: 3)
    }

    func testNvidiaSMIMalformedLinesAreSkippedWithAnError() throws {
        let smiPath = try fakeSMI()
        try smiScript([
            "gpu: 0, \(uuid0), 97, 41, 12288, 81559, 287.50, 71",
            "gpu: 1, \(uuid1), lots, 0, 1, 24576, 18.25, 33",
            "gpu: 2, GPU-short-line",
            "app: \(uuid0), 4242, 8192",
            "app: \(uuid0), not-a-pid, 1",
        ])
        let sampler = GPUSampler.open(nvmlLibrary: missing, nvidiaSMI: smiPath)
        let records = collect(sampler, at: 3)
        XCTAssertEqual(records.count, 1)
        let error = try XCTUnwrap(sampler.lastError)
        XCTAssertTrue(error.contains("utilization.gpu \"lots\" is not a number in range"), error)
        XCTAssertTrue(error.contains("expected 8 fields, found 2"), error)
        XCTAssertTrue(error.contains("pid \"not-a-pid\" is not a process id"), error)
        guard let record = records.first else { return }
        assertRecord(
            record,
            Expected(
                index: 0, flags: smi, uuid: uuid0, utilGPU: 97, utilMemory: 41, temperatureC: 71,
                powerMilliwatts: 287_500, memoryUsedBytes: 12288 << 20, memoryTotalBytes: 81559 << 20,
                processes: [(4242, 8 << 30)]), at: 3)

        try smiScript(["gpu: 0, \(uuid0), 1, 1, 1, 81559, 60, 30"])
        XCTAssertEqual(collect(sampler, at: 4).count, 1)
        XCTAssertNil(sampler.lastError, "lastError describes the latest sample only")
    }

    func testNvidiaSMIMoreThan32ProcessesSetsTheTruncatedFlag() throws {
        let smiPath = try fakeSMI()
        let processes = (0..<33).map { (pid: UInt32(2000 + $0), bytes: UInt64($0) << 20) }
        try smiScript(
            ["gpu: 0, \(uuid0), 100, 50, 1024, 81559, 300, 80"]
                + processes.map { "app: \(uuid0), \($0.pid), \($0.bytes >> 20)" })
        let sampler = GPUSampler.open(nvmlLibrary: missing, nvidiaSMI: smiPath)
        let records = collect(sampler, at: 5)
        XCTAssertEqual(records.count, 1)
        guard let record = records.first else { return }
        assertRecord(
            record,
            Expected(
                index: 0, flags: smi | truncated, uuid: uuid0, utilGPU: 100, utilMemory: 50, temperatureC: 80,
                powerMilliwatts: 300_000, memoryUsedBytes: 1 << 30, memoryTotalBytes: 81559 << 20,
                processes: processes), at: 5)
    }

    func testNvidiaSMIProcessQueryFailureKeepsTheGPUMetrics() throws {
        let smiPath = try fakeSMI()
        try smiScript(["gpu: 0, \(uuid0), 100, 50, 1024, 81559, 300, 80", "app: \(uuid0), 1, 1", "exit-apps: 6"])
        let sampler = GPUSampler.open(nvmlLibrary: missing, nvidiaSMI: smiPath)
        let records = collect(sampler, at: 5)
        XCTAssertEqual(records.count, 1)
        XCTAssertEqual(records.first.map { decode($0).nprocs }, 0)
        let error = try XCTUnwrap(sampler.lastError)
        XCTAssertTrue(error.contains("--query-compute-apps exited with status 6"), error)
    }

    func testNvidiaSMIThatHangsIsKilled() throws {
        let smiPath = try fakeSMI()
        try smiScript(["gpu: 0, \(uuid0), 1, 1, 1, 81559, 60, 30"])
        let sampler = GPUSampler.open(nvmlLibrary: missing, nvidiaSMI: smiPath)
        XCTAssertEqual(sampler.backend, .nvidiaSMI(path: smiPath))
        sampler.nvidiaSMITimeout = 0.5
        try smiScript(["hang"])
        let started = Date()
        XCTAssertEqual(collect(sampler, at: 6).count, 0)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "killed at the deadline, not when it finished")
        let error = try XCTUnwrap(sampler.lastError)
        XCTAssertTrue(error.contains("did not answer within 0.5 s and was killed"), error)
    }

    /// Both backends lay out the same values as the same bytes, but for the source flag.
    func testBothBackendsWriteIdenticalRecords() throws {
        let library = try fakeNVML()
        try nvmlScript(["0 \(uuid0) 97 41 12884901888 85899345920 287500 71 4242:8589934592"])
        let fromNVML = collect(GPUSampler.open(nvmlLibrary: library, nvidiaSMI: missing), at: 99)

        let smiPath = try fakeSMI()
        try smiScript(["gpu: 0, \(uuid0), 97, 41, 12288, 81920, 287.5, 71", "app: \(uuid0), 4242, 8192"])
        var fromSMI = collect(GPUSampler.open(nvmlLibrary: missing, nvidiaSMI: smiPath), at: 99)

        XCTAssertEqual(fromNVML.count, 1)
        XCTAssertEqual(fromSMI.count, 1)
        guard fromNVML.count == 1, fromSMI.count == 1 else { return }
        let flagsOffset = MemoryLayout<rw_gpu_sample>.offset(of: \rw_gpu_sample.flags)!
        XCTAssertEqual(fromSMI[0][flagsOffset], UInt8(RW_GPU_FROM_NVIDIA_SMI))
        fromSMI[0][flagsOffset] = UInt8(RW_GPU_FROM_NVML)
        XCTAssertEqual(fromSMI[0], fromNVML[0])
    }

    // MARK: - No GPU

    func testNoLibraryAndNoBinaryIsNoneWithAReason() {
        let sampler = GPUSampler.open(nvmlLibrary: missing + "/libnvidia-ml.so.1", nvidiaSMI: missing + "/nvidia-smi")
        guard case .none(let reason) = sampler.backend else { return XCTFail("expected .none, got \(sampler.backend)") }
        XCTAssertTrue(reason.hasPrefix("no NVIDIA GPU: \(missing)/libnvidia-ml.so.1 not loadable ("), reason)
        XCTAssertTrue(
            reason.hasSuffix(
                ") and nvidia-smi not found (\(missing)/nvidia-smi); the mining detector's GPU signal is off"), reason)
        XCTAssertFalse(reason.contains("\n"), "one log line")
        XCTAssertEqual(collect(sampler, at: 1).count, 0)
        XCTAssertNil(sampler.lastError)
    }

    func testNvidiaSMIThatCannotReachTheDriverIsNone() throws {
        let smiPath = try fakeSMI()  // no RW_FAKE_SMI_SCRIPT: it fails as on a host without the driver
        let sampler = GPUSampler.open(nvmlLibrary: missing, nvidiaSMI: smiPath)
        guard case .none(let reason) = sampler.backend else { return XCTFail("expected .none, got \(sampler.backend)") }
        XCTAssertTrue(
            reason.contains(
                "nvidia-smi failed with status 9 (NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.)"
            ), reason)
    }
}
