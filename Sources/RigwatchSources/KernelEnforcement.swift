// SPDX-License-Identifier: Apache-2.0
import CBPF
import CRigwatchABI
import Foundation
import RigwatchCore

/// A source that can judge the watched lineages' root execs in the kernel
/// (bpf/enforce.bpf.c): the BPF source where the `enforce` feature loaded.
public protocol EnforcingSource: RecordSource {
    /// Writes the whitelist into the idle policy half, then switches the kernel to it
    /// and to `mode` in one map write; returns what stays with the detector
    /// (`KernelPolicy.undecidable`).
    func setEnforcement(_ policies: PolicySet, mode: EnforcementMode) throws -> [String]
}

extension BPFSource: EnforcingSource {
    struct EnforcementFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// The sensor's maps as `KernelPolicyMaps`.
    private struct SensorMaps: KernelPolicyMaps {
        let sensor: OpaquePointer
        func update(_ map: KernelPolicyMap, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws {
            try write(map.rawValue, key, value)
        }
        func write(_ map: String, _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws {
            let rc = rw_sensor_map_update(sensor, map, key.baseAddress, key.count, value.baseAddress, value.count)
            guard rc == 0 else {
                throw EnforcementFailure(description: "writing \(map): \(String(cString: strerror(-rc)))")
            }
        }
    }

    /// A loaded program's run-time statistics (counted while kernel.bpf_stats_enabled
    /// is 1): total nanoseconds and runs; nil when no such program is loaded.
    public func programStats(_ name: String) -> (ns: UInt64, runs: UInt64)? {
        guard let sensor = handle else { return nil }
        var ns: UInt64 = 0
        var runs: UInt64 = 0
        guard rw_sensor_prog_stats(sensor, name, &ns, &runs) == 0 else { return nil }
        return (ns, runs)
    }

    public func setEnforcement(_ policies: PolicySet, mode: EnforcementMode) throws -> [String] {
        guard let sensor = handle else { throw EnforcementFailure(description: "sensor is closed") }
        guard plan?.choice("enforce")?.active == true else {
            if mode == .off { return [] }
            let why = plan?.choice("enforce")?.hookLabel ?? "not in this BPF object"
            throw EnforcementFailure(description: "enforcement.mode \(mode.rawValue) needs the enforce feature: \(why)")
        }
        let maps = SensorMaps(sensor: sensor)
        // The half the kernel reads now (a pinned set may have been left by another run).
        var zero: UInt32 = 0
        var config = rw_enforce_config()
        _ = withUnsafeMutableBytes(of: &config) { c in
            rw_sensor_map_lookup(sensor, "enforce_config", &zero, 4, c.baseAddress, c.count)
        }
        let idle: UInt32 = config.half == 0 ? 1 : 0
        var names: [(String, UInt32)] = PrivilegedExecDetector.gateways.map { ($0, 1) }
        names += PrivilegedExecDetector.wrappers.map { ($0, 2) }
        for (name, kind) in names where name.utf8.count < 16 {
            var key = [UInt8](repeating: 0, count: 16)
            key.replaceSubrange(0..<name.utf8.count, with: name.utf8)
            var value = kind
            try key.withUnsafeBytes { k in try withUnsafeBytes(of: &value) { try maps.write("enforce_names", k, $0) } }
        }
        guard rw_sensor_policy_clear_half(sensor, idle) >= 0 else {
            throw EnforcementFailure(description: "clearing policy half \(idle)")
        }
        let policy = KernelPolicy(policies: policies, half: idle)
        try policy.write(to: maps)
        // The switch: one write of one map value, read once per decision.
        var next = rw_enforce_config(mode: mode.kernelValue, half: idle)
        try withUnsafeBytes(of: &zero) { k in try withUnsafeBytes(of: &next) { try maps.write("enforce_config", k, $0) }
        }
        return policy.undecidable
    }
}
