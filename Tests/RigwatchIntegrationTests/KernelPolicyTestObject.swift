// SPDX-License-Identifier: Apache-2.0
import CBPFTestSupport
import CRigwatchABI
import Foundation
import RigwatchCore
import RigwatchTestSupport
import XCTest

/// The policy-match test object (Tests/Fixtures/bpf/policy_match_test.bpf.c) with
/// `policies` written into half `half`: the kernel's whitelist matcher and child
/// profiles, run through BPF_PROG_TEST_RUN.
final class KernelPolicyTestObject: KernelPolicyMaps {
    let object: OpaquePointer

    private(set) var owners: [UInt32: (uid: UInt32, rule: Int)] = [:]
    private(set) var undecidable: [String] = []

    init(_ policies: PolicySet, half: UInt32 = 0) throws {
        let path = Repo.root + "/build/bpf/policy_match_test.bpf.o"
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: path), "missing \(path): run make bpf")
        var err = [CChar](repeating: 0, count: 4096)
        var handle: OpaquePointer?
        let rc = bytes.withUnsafeBytes { rw_test_object_load($0.baseAddress, $0.count, &handle, &err, err.count) }
        guard rc == 0, let handle else { throw SetupError(String(nulTerminated: err)) }
        object = handle
        try write(KernelPolicy(policies: policies, half: half))
    }

    /// Writes one half's entries, as the sensor does on start and reload.
    func write(_ policy: KernelPolicy) throws {
        try policy.write(to: self)
        owners.merge(policy.owners) { $1 }
        undecidable += policy.undecidable
    }

    func update(_ map: KernelPolicyMap, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws {
        var err = [CChar](repeating: 0, count: 1024)
        let rc = rw_test_map_update(
            object, map.rawValue, key.baseAddress, key.count, value.baseAddress, value.count, &err, err.count)
        guard rc == 0 else { throw SetupError(String(nulTerminated: err)) }
    }

    deinit { rw_test_object_close(object) }

    /// The kernel's verdict as the userspace matcher spells it (nil: undecided).
    func decide(
        uid: UInt32, path: [UInt8], args: [UInt8], argc: UInt32, truncated: Bool = false, half: UInt32 = 0
    ) throws -> CompiledPolicy.Decision? {
        var verdict: UInt32 = 0
        var rule: Int32 = -1
        var err = [CChar](repeating: 0, count: 1024)
        let rc = path.withUnsafeBytes { p in
            args.withUnsafeBytes { a in
                rw_test_policy_match(
                    object, p.baseAddress?.assumingMemoryBound(to: CChar.self), UInt32(path.count),
                    a.baseAddress?.assumingMemoryBound(to: CChar.self), UInt32(args.count), argc,
                    truncated ? 1 : 0, uid, half, &verdict, &rule, &err, err.count)
            }
        }
        guard rc == 0 else { throw SetupError(String(nulTerminated: err)) }
        let local = rule < 0 ? nil : owners[UInt32(rule)]?.rule
        switch verdict {
        case UInt32(RW_VERDICT_ALLOWED.rawValue): return .allowed(rule: try XCTUnwrap(local))
        case UInt32(RW_VERDICT_DENIED.rawValue): return .denied(rule: local)
        default: return nil
        }
    }
}

extension KernelPolicyTestObject {
    /// The child profiles (by index) the kernel finds for an allowed entry; nil when
    /// one could not be decided.
    func entryProfiles(path: [UInt8], args: [UInt8], argc: UInt32, half: UInt32 = 0) throws -> [Int]? {
        var mask: UInt32 = 0
        var unsure: UInt32 = 0
        var err = [CChar](repeating: 0, count: 1024)
        let rc = path.withUnsafeBytes { p in
            args.withUnsafeBytes { a in
                rw_test_entry_profiles(
                    object, p.baseAddress?.assumingMemoryBound(to: CChar.self), UInt32(path.count),
                    a.baseAddress?.assumingMemoryBound(to: CChar.self), UInt32(args.count), argc, half, &mask,
                    &unsure, &err, err.count)
            }
        }
        guard rc == 0 else { throw SetupError(String(nulTerminated: err)) }
        if unsure != 0 { return nil }
        return (0..<32).filter { mask >> UInt32($0) & 1 == 1 }
    }

    /// The kernel's verdict (enum rw_policy_verdict) and class (enum rw_child_class) on
    /// a root exec below an allowed entry with these profiles.
    func childVerdict(
        path: [UInt8], args: [UInt8], argc: UInt32, profiles: [Int], half: UInt32 = 0
    ) throws -> (verdict: UInt32, childClass: UInt32) {
        var verdict: UInt32 = 0
        var childClass: UInt32 = 0
        var err = [CChar](repeating: 0, count: 1024)
        let mask = profiles.reduce(UInt32(0)) { $0 | 1 << UInt32($1) }
        let rc = path.withUnsafeBytes { p in
            args.withUnsafeBytes { a in
                rw_test_child_verdict(
                    object, p.baseAddress?.assumingMemoryBound(to: CChar.self), UInt32(path.count),
                    a.baseAddress?.assumingMemoryBound(to: CChar.self), UInt32(args.count), argc, half, mask, 0,
                    &verdict, &childClass, &err, err.count)
            }
        }
        guard rc == 0 else { throw SetupError(String(nulTerminated: err)) }
        return (verdict, childClass)
    }
}
