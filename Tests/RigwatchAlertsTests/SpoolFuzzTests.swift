// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchTestSupport
import XCTest

@testable import RigwatchAlerts

/// Thousands of damaged queue.log files, as the trace readers are fuzzed
/// (RIGWATCH_FUZZ_SEED, RIGWATCH_FUZZ_CASES): the reader never traps, every
/// record it returns is one that was written, and every record whose bytes came
/// through intact is recovered, except those of a group commit left open at the
/// end of the file (an append that never returned). Some of the files are also
/// opened as a spool, with a damaged state file beside them.
final class SpoolFuzzTests: XCTestCase {
    private var fuzzSeed: UInt64 {
        ProcessInfo.processInfo.environment["RIGWATCH_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5eed_5900
    }

    private var fuzzCases: Int {
        ProcessInfo.processInfo.environment["RIGWATCH_FUZZ_CASES"].flatMap { Int($0) } ?? 3000
    }

    /// A written record: its frame's place in the base file and what it holds.
    struct Frame {
        var range: Range<Int>
        var record: SpoolScan.Record
    }

    /// 6 to 30 records in group commits of 1 to 3, of every kind, JSON-like payloads.
    static func baseFile(_ rng: inout SplitMix64) -> (bytes: [UInt8], frames: [Frame]) {
        var bytes: [UInt8] = []
        var frames: [Frame] = []
        var sequence: UInt64 = 1 + rng.next(1000)
        let kinds: [SpoolRecordKind] = [.alert, .folded, .message, .checkpoint]
        let total = 6 + rng.index(25)
        while frames.count < total {
            let size = 1 + rng.index(3)
            for i in 0..<size {
                let text = "{\"n\":\(sequence),\"pad\":\"" + String(repeating: "x", count: rng.index(120)) + "\"}"
                let start = bytes.count
                let kind = kinds[rng.index(kinds.count)]
                SpoolFrame.encode(
                    kind: kind, sequence: sequence, payload: Array(text.utf8), endOfGroup: i == size - 1, into: &bytes)
                frames.append(
                    Frame(
                        range: start..<bytes.count,
                        record: SpoolScan.Record(
                            kind: kind, sequence: sequence, payload: Array(text.utf8), offset: start,
                            endOfGroup: i == size - 1)))
                sequence += 1 + rng.next(3)
            }
        }
        return (bytes, frames)
    }

    /// One to four stacked mutations. `origin[i]` is the base offset byte i came from
    /// unchanged, or nil for a byte written by a mutation.
    static func mutate(_ base: [UInt8], frames: [Frame], _ rng: inout SplitMix64) -> ([UInt8], [Int?]) {
        var b = base
        var origin: [Int?] = Array(base.indices)
        for _ in 0...rng.next(4) {
            let at = rng.index(b.count + 1)
            switch rng.next(8) {
            case 0:  // flip bits
                guard !b.isEmpty else { continue }
                let i = min(at, b.count - 1)
                b[i] ^= UInt8(1 + rng.next(255))
                origin[i] = nil
            case 1:  // zero a stretch, as a lost disk block reads
                let end = min(b.count, at + 1 + rng.index(300))
                for i in at..<end {
                    b[i] = 0
                    origin[i] = nil
                }
            case 2:  // insert garbage, sometimes starting like a record
                var garbage = (0..<(1 + rng.index(200))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                if rng.next(2) == 0 { garbage.replaceSubrange(0..<min(4, garbage.count), with: SpoolFrame.magic) }
                b.insert(contentsOf: garbage, at: at)
                origin.insert(contentsOf: [Int?](repeating: nil, count: garbage.count), at: at)
            case 3:  // delete a stretch
                let end = min(b.count, at + 1 + rng.index(100))
                b.removeSubrange(at..<end)
                origin.removeSubrange(at..<end)
            case 4:  // cut the file short
                b.removeSubrange(at...)
                origin.removeSubrange(at...)
            case 5:  // a length field set wild (with the header CRC now wrong)
                guard let frame = frames.randomElementSeeded(&rng),
                    let i = origin.firstIndex(where: { $0 == frame.range.lowerBound + 8 })
                else { continue }
                b[i] = 0xff
                origin[i] = nil
            case 6:  // a whole record copied elsewhere (a misplaced block)
                guard let frame = frames.randomElementSeeded(&rng) else { continue }
                let copy = Array(base[frame.range])
                b.insert(contentsOf: copy, at: at)
                origin.insert(contentsOf: [Int?](repeating: nil, count: copy.count), at: at)
            default:  // a run of 0xF5 (the magic's first byte) to tempt the resync
                let run = [UInt8](repeating: 0xF5, count: 1 + rng.index(40))
                b.insert(contentsOf: run, at: at)
                origin.insert(contentsOf: [Int?](repeating: nil, count: run.count), at: at)
            }
        }
        return (b, origin)
    }

    /// Base frames whose every byte came through unchanged and contiguous, in the
    /// mutated file's order.
    static func intactFrames(_ frames: [Frame], origin: [Int?], baseCount: Int) -> [Frame] {
        var position = [Int](repeating: -1, count: baseCount)
        for (i, o) in origin.enumerated() { if let o { position[o] = i } }
        return frames.filter { frame in
            let start = position[frame.range.lowerBound]
            guard start >= 0, start + frame.range.count <= origin.count else { return false }
            for (k, o) in frame.range.enumerated() where origin[start + k] != o { return false }
            return true
        }.sorted { position[$0.range.lowerBound] < position[$1.range.lowerBound] }
    }

    func testFuzzDamagedQueueLogsNeverTrapAndKeepEveryIntactRecord() throws {
        var outcomes = [String: Int]()
        var recoveredAfterDamage = 0
        for index in 0..<fuzzCases {
            let seed = fuzzSeed &+ UInt64(index)
            var rng = SplitMix64(seed: seed)
            let (base, frames) = Self.baseFile(&rng)
            let (mutated, origin) = Self.mutate(base, frames: frames, &rng)
            if ProcessInfo.processInfo.environment["RIGWATCH_FUZZ_VERBOSE"] != nil {
                print("spool fuzz case \(index) seed \(seed)")
            }
            let scan = SpoolScanner.scan(mutated)
            outcomes[scan.damage.isEmpty ? (scan.torn == nil ? "clean" : "torn") : "damaged", default: 0] += 1

            // Whatever came back was written, in order, once.
            let written = Dictionary(uniqueKeysWithValues: frames.map { ($0.record.sequence, $0.record) })
            for record in scan.records {
                guard let original = written[record.sequence] else {
                    XCTFail("seed \(seed): record \(record.sequence) was never written")
                    continue
                }
                XCTAssertEqual(record.payload, original.payload, "seed \(seed)")
                XCTAssertEqual(record.kind, original.kind, "seed \(seed)")
            }
            XCTAssertEqual(scan.records.map(\.sequence), scan.records.map(\.sequence).sorted(), "seed \(seed)")
            XCTAssertEqual(Set(scan.records.map(\.sequence)).count, scan.records.count, "seed \(seed)")
            for part in scan.damage {
                let bytes = try XCTUnwrap(part.bytes)
                XCTAssertTrue(
                    bytes.lowerBound >= 0 && bytes.upperBound <= mutated.count && !bytes.isEmpty, "seed \(seed)")
            }

            // Every intact record is back, but for a group left open at the end.
            let intact = Self.intactFrames(frames, origin: origin, baseCount: base.count)
            let lastClosed = intact.lastIndex { $0.record.endOfGroup } ?? -1
            let mustSurvive = intact.prefix(lastClosed + 1)
            let recovered = Set(scan.records.map(\.sequence))
            for frame in mustSurvive where !recovered.contains(frame.record.sequence) {
                XCTFail("seed \(seed): intact record \(frame.record.sequence) at \(frame.range) was lost")
            }
            if !scan.damage.isEmpty { recoveredAfterDamage += mustSurvive.count }
        }
        print(
            "spool fuzz: seed \(fuzzSeed), \(fuzzCases) cases: \(outcomes.sorted { $0.key < $1.key }), \(recoveredAfterDamage) intact records recovered from damaged files"
        )
        XCTAssertEqual(outcomes.keys.sorted(), ["damaged", "torn"], "mutations should reach damaged and torn files")
    }

    /// The same files opened as a spool (one case in sixty: each fsyncs), with a state file that
    /// is sometimes garbage or huge: no trap, and what it kept survives a reopen.
    func testFuzzDamagedSpoolDirectoriesOpenAndKeepWorking() throws {
        let root = NSTemporaryDirectory() + "rwtest-spoolfuzz-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let states = [
            "acked=18446744073709551615 dropped=18446744073709551615\n", "acked=-1\n", "acked=3 dropped=1\n",
            "acked=\u{0}\u{ff} dropped=9999999999999999999999\n", "crc=zz\n", "", "acked=5 dropped=0 crc=00000000\n",
        ]
        for index in 0..<max(1, fuzzCases / 60) {
            let seed = fuzzSeed &+ 0x10_0000 &+ UInt64(index)
            var rng = SplitMix64(seed: seed)
            let (base, frames) = Self.baseFile(&rng)
            let (mutated, _) = Self.mutate(base, frames: frames, &rng)
            let dir = root + "/\(index)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try Data(mutated).write(to: URL(fileURLWithPath: dir + "/queue.log"))
            try states[rng.index(states.count)].write(toFile: dir + "/state", atomically: true, encoding: .utf8)

            let spool = try Spool(directory: dir)
            let kept = spool.entries.map(\.sequence)
            let next = try XCTUnwrap(try spool.append(Array("after \(seed)".utf8)), "seed \(seed)")
            XCTAssertGreaterThan(next, kept.last ?? 0, "seed \(seed)")
            if let first = kept.first { try spool.acknowledge(through: first) }
            spool.close()
            let again = try Spool(directory: dir)
            XCTAssertEqual(again.entries.map(\.sequence), Array(kept.dropFirst()) + [next], "seed \(seed)")
            XCTAssertEqual(again.opened.damage, [], "seed \(seed): damage is reported once, then rewritten away")
            again.close()
        }
    }
}

extension Array {
    fileprivate func randomElementSeeded(_ rng: inout SplitMix64) -> Element? {
        isEmpty ? nil : self[rng.index(count)]
    }
}
