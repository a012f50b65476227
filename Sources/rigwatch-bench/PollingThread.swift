// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Polls a record source on its own thread while the bench's thread runs a storm, as
/// the sensor's poll loop does. `@unchecked Sendable`: `stopping` is read and written
/// under `lock`; the source and the closures are used by the polling thread alone
/// until `stopAndJoin` returns, and only by the caller after that.
final class PollingThread<Source: AnyObject>: @unchecked Sendable {
    private let source: Source
    private let poll: (Source) -> Void
    private let drain: (Source) -> Void
    private let lock = NSLock()
    private var stopping = false
    private var thread: Thread?

    /// `poll` runs until the stop; `drain` once after it, for what is still queued.
    init(_ source: Source, poll: @escaping (Source) -> Void, drain: @escaping (Source) -> Void = { _ in }) {
        self.source = source
        self.poll = poll
        self.drain = drain
    }

    func start() {
        let thread = Thread { [self] in
            while !isStopping { poll(source) }
            drain(source)
        }
        self.thread = thread
        thread.start()
    }

    func stopAndJoin() {
        lock.withLock { stopping = true }
        while let thread, !thread.isFinished { usleep(10_000) }
    }

    private var isStopping: Bool { lock.withLock { stopping } }
}

/// What a storm's records counted. `@unchecked Sendable`: written by the polling
/// thread alone, read by the bench only after `PollingThread.stopAndJoin`.
final class StormCounter: @unchecked Sendable {
    var events = 0
    var errors = 0
}
