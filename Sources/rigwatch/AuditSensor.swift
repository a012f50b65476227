// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchSources

extension LiveSensor {
    /// The kernel audit subsystem as the source, started. Its events come encoded into
    /// the kernel record layout, so `run` and `record` treat them as BPF records.
    func openAudit(_ onRecord: @escaping (UnsafeRawBufferPointer) -> Void) throws -> AuditSource {
        var auditOptions = AuditSource.Options()
        auditOptions.watchedUids = watchedUids
        auditOptions.argsCap = Int(options.argsCap)
        let source = try AuditSource(options: auditOptions)
        // The stop handlers are in place (LiveSensor.run): a stop signal from here on
        // ends the loop, which removes the rules.
        do {
            try source.startRecords(onRecord)
        } catch {
            source.close()
            throw error
        }
        return source
    }
}
