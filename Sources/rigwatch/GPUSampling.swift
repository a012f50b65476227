// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchIO
import RigwatchSources

/// Samples the GPUs on a thread of its own (nvidia-smi can take a while), and
/// hands the records to the sensor loop, which feeds them to the engine with the
/// kernel's events: one engine, one thread.
///
/// `@unchecked Sendable`: the sensor thread and the sampling thread share it;
/// `interval`, `pending` and `stopped` are under `lock`, the sampler is used by the
/// sampling thread alone once started.
final class GPUSampling: @unchecked Sendable {
    private let sampler: GPUSampler
    private var interval: Double  // under `lock`: a reload may change it
    private let lock = NSLock()
    private var pending: [[UInt8]] = []
    private var stopped = false
    private var thread: Thread?

    init(sampler: GPUSampler, interval: Double) {
        self.sampler = sampler
        self.interval = interval
    }

    /// SIGHUP: the next sample comes `seconds` after the one being taken.
    func setInterval(_ seconds: Double) {
        lock.lock()
        interval = seconds
        lock.unlock()
    }

    var isActive: Bool {
        if case .none = sampler.backend { return false }
        return true
    }

    func start() {
        guard isActive else { return }
        let t = Thread { [weak self] in self?.loop() }
        t.name = "rigwatch-gpu"
        thread = t
        t.start()
    }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
    }

    /// Records sampled since the last call, oldest first.
    func take() -> [[UInt8]] {
        lock.lock()
        defer { lock.unlock() }
        let out = pending
        pending.removeAll()
        return out
    }

    private func loop() {
        var lastError: String?
        while true {
            lock.lock()
            let done = stopped
            lock.unlock()
            if done { return }
            var records: [[UInt8]] = []
            sampler.sample(nowNs: SystemClock.bootNowNs()) { records.append(Array($0)) }
            if let error = sampler.lastError, error != lastError {
                Log.warning("GPU sampling: \(error)")
                lastError = error
            }
            lock.lock()
            pending += records
            let pause = interval
            lock.unlock()
            Thread.sleep(forTimeInterval: pause)
        }
    }
}
