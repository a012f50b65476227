// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore

/// Between the engine and the sinks, off the hot path, on two threads of its own:
///
/// - the engine thread only appends to an in-memory inbox under a lock (`submit`);
/// - the writer thread ("rigwatch-alerts") takes the inbox in batches and makes
///   each durable before anything else: spool, then alert log, both fsync'd, with
///   duplicates and storms folded on the way (`AlertIntake`). It never waits on the
///   network, so a slow or dead Discord never keeps an alert in memory alone;
/// - the sender thread ("rigwatch-discord") delivers what the spool holds, in
///   order, honouring Discord's rate limits (`DiscordSender`), and acknowledges
///   each record only once Discord took it.
///
/// The spool is the handoff between the two: one owner process (its lock), one
/// appender and one deliverer, each call under the spool's own mutex.
///
/// Delivery is at-least-once. `kill -9` at any instant loses no alert that reached
/// the spool (locally or on Discord) and resends at most the one message that was
/// in flight; a Discord slower than the client timeout costs at most one duplicate
/// message each time it turns slow (`DeliveryPatience`).
///
/// `@unchecked Sendable`: the three threads share it; every field more than one of
/// them touches is read and written under `condition`; `intake` and the aggregator
/// belong to the writer thread, `sender` to the sender thread (in tests, `step`
/// plays both on the test's thread). The spool is never called with `condition`
/// held: its mutex can wait for an fsync, and `submit` must never wait behind it.
public final class AlertRouter: @unchecked Sendable {
    public struct Settings {
        public var host: String
        public var sensorVersion: String
        public var logPath: String?
        public var spoolDirectory: String
        public var spoolMaxBytes: Int = 64 << 20
        public var dedupWindowSeconds: Double = 60
        public var perRuleLimit: Int = 20
        public var webhook: WebhookURL?
        public var connectTimeoutMs = 5000
        public var totalTimeoutMs = 15000

        public init(host: String, sensorVersion: String, logPath: String?, spoolDirectory: String) {
            self.host = host
            self.sensorVersion = sensorVersion
            self.logPath = logPath
            self.spoolDirectory = spoolDirectory
        }
    }

    public struct Stats: Equatable {
        public var received = 0
        public var logged = 0
        public var spooled = 0
        public var delivered = 0
        public var deliveryFailures = 0
        public var rateLimited = 0
        public var droppedSpoolFull: UInt64 = 0
        public var spoolDepth = 0
        public var lastError: String?
    }

    /// The settings in force. Written only by the writer thread, under the lock
    /// (`apply`); the writer reads it freely, other threads under the lock.
    private var active: Settings
    /// Writer thread.
    private let intake: AlertIntake
    /// Sender thread.
    private let sender = DiscordSender()
    /// Open while a webhook is (or was, since start or a reload) configured.
    private var spool: Spool?
    private var poster: AlertTransport?
    private let makeTransport: AlertTransportFactory
    /// Every time the router reads or waits for: stamps, fold windows, backoff, drain.
    private let clock: TimeSource
    private let condition = NSCondition()
    /// A reload waiting for the writer thread (`commit`).
    private var pending: Reconfiguration?
    private var inbox: [(Alert, Int64)] = []
    private var stopping = false
    /// Wall ns.
    private var drainDeadline: Int64?
    private var threads: [Thread] = []
    /// The writer took its last batch after a stop.
    private var intakeFinished = false
    /// The sender drained and let go of the spool.
    private var finished = false
    /// A reload changed the webhook: the sender starts afresh.
    private var senderNeedsReset = false
    /// Writer turns completed: the sender looks again when it moved.
    private var published = 0
    private var stats = Stats()
    /// What opening a spool found, reported by the writer's next turn.
    private var spoolNotes: [String] = []
    private var spoolProblems: [String] = []
    private var spoolDamage: [SpoolDamage] = []
    /// Serialises `onLog`: both threads log.
    private let logLock = NSLock()
    /// Diagnostics (stderr in the CLI); never given the webhook URL unredacted.
    public var onLog: (String) -> Void = { FileHandle.standardError.write(Data("rigwatch: \($0)\n".utf8)) }

    /// The jitter of the backoff after a failure, in 0...1 (tests fix it).
    var jitter: () -> Double {
        get { sender.jitter }
        set { sender.jitter = newValue }
    }

    /// `transport` makes the Discord transport (libcurl unless a test scripts one);
    /// `clock` is `SystemClock()` outside tests. Throws `SpoolInUse` when another
    /// process owns the spool.
    public init(
        settings: Settings, clock: TimeSource, transport: @escaping AlertTransportFactory = HTTPPoster.factory
    ) throws {
        active = settings
        self.clock = clock
        makeTransport = transport
        intake = AlertIntake(
            log: try settings.logPath.map { try AlertLog(path: $0) },
            aggregator: AlertAggregator(windowSeconds: settings.dedupWindowSeconds, perRuleLimit: settings.perRuleLimit)
        )
        if settings.webhook != nil {
            let opened = try Spool(directory: settings.spoolDirectory, maxBytes: settings.spoolMaxBytes)
            spool = opened
            poster = transport(settings.connectTimeoutMs, settings.totalTimeoutMs, "rigwatch/\(settings.sensorVersion)")
            adopt(opened)
        }
        stats.spoolDepth = spool?.count ?? 0
    }

    /// The settings in force (a committed reload counts once the writer took it over).
    public var settings: Settings {
        condition.lock()
        defer { condition.unlock() }
        return active
    }

    /// Alerts left in the spool by an earlier run, delivered first and in order.
    public var spooledAtStart: Int { spool?.count ?? 0 }

    public func start() {
        let writer = Thread { [weak self] in self?.writerLoop() }
        writer.name = "rigwatch-alerts"
        let deliverer = Thread { [weak self] in self?.senderLoop() }
        deliverer.name = "rigwatch-discord"
        condition.lock()
        threads = [writer, deliverer]
        condition.unlock()
        writer.start()
        deliverer.start()
    }

    /// Hands an alert over; never blocks on I/O.
    public func submit(_ alert: Alert, eventWallNs: Int64) {
        condition.lock()
        inbox.append((alert, eventWallNs))
        condition.broadcast()
        condition.unlock()
    }

    public func snapshot() -> Stats {
        condition.lock()
        defer { condition.unlock() }
        return stats
    }

    /// Stops both threads: what is in the inbox and the open folds goes to the spool
    /// and the log, and delivery goes on until the spool is empty or `drainSeconds`
    /// pass. The rest stays spooled; the spool's lock is released.
    public func stop(drainSeconds: Double) {
        condition.lock()
        requestStop(drainSeconds: drainSeconds)
        condition.broadcast()
        while !threads.isEmpty && !finished { _ = condition.wait(until: Date().addingTimeInterval(0.1)) }
        condition.unlock()
    }

    /// Lock held (or no router threads, in tests): the next turns are the last.
    func requestStop(drainSeconds: Double) {
        stopping = true
        drainDeadline = clock.wallNowNs() + DiscordSender.ns(drainSeconds)
    }

    // MARK: Threads

    private func writerLoop() {
        repeat {
            condition.lock()
            if inbox.isEmpty && pending == nil && !stopping { _ = condition.wait(until: Self.date(intakeWakeNs())) }
            condition.unlock()
        } while intakeTurn()
    }

    private func senderLoop() {
        repeat {
            condition.lock()
            let seen = published
            condition.unlock()
            let wake = deliveryWakeNs()  // outside the lock: it asks the spool
            condition.lock()
            // A batch published since `seen` would have been a missed wake-up: look at once.
            if published == seen && !(stopping && intakeFinished) && !senderNeedsReset {
                _ = condition.wait(until: Self.date(wake))
            }
            condition.unlock()
        } while deliveryTurn()
    }

    private static func date(_ wallNs: Int64) -> Date { Date(timeIntervalSince1970: Double(wallNs) / 1e9) }

    /// One turn of each thread, on the caller's: tests without router threads drive
    /// the router with it. False once a stop was requested and carried out.
    func step() -> Bool {
        _ = intakeTurn()
        return deliveryTurn()
    }

    /// Wall ns when either thread must look again, idle: a second from now at the
    /// latest, sooner for a due delivery or the end of a fold window.
    func nextWakeNs() -> Int64 { min(intakeWakeNs(), deliveryWakeNs()) }

    private func intakeWakeNs() -> Int64 {
        let wake = clock.wallNowNs() + 1_000_000_000
        return intake.aggregator.nextDeadline.map { min(wake, $0) } ?? wake
    }

    /// Sender thread (or tests).
    private func deliveryWakeNs() -> Int64 {
        condition.lock()
        let spool = self.spool
        let configured = active.webhook != nil
        condition.unlock()
        let now = clock.wallNowNs()
        var wake = now + 1_000_000_000
        if let spool, configured, !sender.webhookGone, spool.hasDeliverable {
            wake = min(wake, max(sender.nextAttempt, now))
        }
        return wake
    }

    // MARK: The writer's turn

    /// Takes over a committed reload, then makes what was submitted durable (spool,
    /// then log) and deliverable. After a stop, flushes every open fold and returns false.
    private func intakeTurn() -> Bool {
        condition.lock()
        let change = pending
        if let change {
            pending = nil
            apply(change)
        }
        let batch = inbox
        inbox.removeAll()
        let isStopping = stopping
        let spool = self.spool
        let spooling = active.webhook != nil
        condition.unlock()

        // A reload (SIGHUP, as logrotate's postrotate sends) reopens the alert log at once.
        if change != nil, let log = intake.log {
            do { try log.reopen() } catch { note(error: "alert log: \(error)") }
        }
        if let opened = change?.spool { adopt(opened) }
        let now = clock.wallNowNs()
        var envelopes = batch.map { stamp($0.0, eventWallNs: $0.1, nowNs: now) }
        envelopes.insert(contentsOf: takeSpoolReports(nowNs: now), at: 0)
        let result = intake.process(
            envelopes, nowNs: now, final: isStopping, spool: spooling ? spool : nil,
            report: {
                self.stamp(
                    RouterAlerts.spoolFull(lost: $0, spoolDirectory: self.active.spoolDirectory, nowNs: now),
                    eventWallNs: now, nowNs: now)
            })
        for line in result.notes { note(error: line) }
        let depth = spool?.count ?? 0
        let dropped = spool?.droppedTotal ?? 0
        condition.lock()
        stats.received += envelopes.count
        stats.logged += intake.log == nil || !result.logged ? 0 : envelopes.count
        stats.spooled += result.spooled
        stats.spoolDepth = depth
        stats.droppedSpoolFull = dropped
        if isStopping { intakeFinished = true }
        published &+= 1
        condition.broadcast()  // the sender: there may be more to deliver
        condition.unlock()
        return !isStopping
    }

    private func stamp(_ alert: Alert, eventWallNs: Int64, nowNs: Int64) -> AlertEnvelope {
        AlertEnvelope(
            alert: alert, host: active.host, sensorVersion: active.sensorVersion, eventWallNs: eventWallNs,
            detectedWallNs: nowNs)
    }

    /// Writer thread (or init): a spool just opened goes on where it stopped: the
    /// open windows come back, the alert log gets what a crash kept out of it, and
    /// what the opening found is reported by the next turn.
    private func adopt(_ opened: Spool) {
        var damage = opened.opened.damage
        if let problem = intake.restoreWindows(from: opened) { damage.append(problem) }
        let repair = intake.repairLog(from: opened)
        condition.lock()
        spoolNotes += opened.opened.notes + repair.info
        spoolProblems += repair.problems
        spoolDamage += damage
        condition.unlock()
    }

    /// The log lines and the `sensor-spool-damaged` alert for what opening a spool found.
    private func takeSpoolReports(nowNs: Int64) -> [AlertEnvelope] {
        condition.lock()
        let notes = spoolNotes
        let problems = spoolProblems
        let damage = spoolDamage
        spoolNotes = []
        spoolProblems = []
        spoolDamage = []
        condition.unlock()
        for line in notes { note(info: line) }
        for line in problems { note(error: line) }
        for part in damage.prefix(10) { note(error: "spool \(active.spoolDirectory): damaged, skipped: \(part)") }
        if damage.count > 10 { note(error: "spool \(active.spoolDirectory): \(damage.count - 10) more damaged parts") }
        guard !damage.isEmpty else { return [] }
        let alert = RouterAlerts.spoolDamaged(damage, spoolDirectory: active.spoolDirectory, nowNs: nowNs)
        return [stamp(alert, eventWallNs: nowNs, nowNs: nowNs)]
    }

    // MARK: The sender's turn

    /// Delivers if due; after the writer's last turn, delivers until the spool is
    /// empty or the drain deadline, lets go of the spool and returns false.
    private func deliveryTurn() -> Bool {
        condition.lock()
        if senderNeedsReset {
            senderNeedsReset = false
            sender.reset()
        }
        let finishing = stopping && intakeFinished
        let target = deliveryTarget()
        let spool = self.spool
        condition.unlock()
        guard finishing else {
            if let target, target.spool.hasDeliverable, !sender.webhookGone, clock.wallNowNs() >= sender.nextAttempt {
                deliver(target)
            }
            return true
        }
        if let target { drain(target) }
        spool?.close()
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
        return false
    }

    /// Lock held: what a delivery needs, when a webhook is configured.
    private func deliveryTarget() -> DiscordSender.Target? {
        guard let spool, let poster, let webhook = active.webhook else { return nil }
        return DiscordSender.Target(
            spool: spool, poster: poster, webhook: webhook, totalTimeoutMs: active.totalTimeoutMs,
            spoolDirectory: active.spoolDirectory)
    }

    private func drain(_ target: DiscordSender.Target) {
        while target.spool.hasDeliverable && !sender.webhookGone {
            let deadline = drainDeadline ?? clock.wallNowNs()
            if sender.nextAttempt > deadline { break }
            if clock.wallNowNs() < sender.nextAttempt { clock.sleep(untilWallNs: sender.nextAttempt) }
            if clock.wallNowNs() > deadline { break }
            deliver(target)
        }
    }

    private func deliver(_ target: DiscordSender.Target) {
        let result = sender.deliverOnce(target, clock: clock)
        for line in result.notes { note(error: line) }
        for line in result.info { note(info: line) }
        let depth = target.spool.count
        condition.lock()
        stats.delivered += result.delivered
        stats.deliveryFailures += result.failures
        stats.rateLimited += result.rateLimited
        stats.spoolDepth = depth
        if let quiet = result.quietError { stats.lastError = WebhookURL.redact(quiet) }
        condition.unlock()
    }

    // MARK: Reload

    /// A validated change of settings: prepared on the caller's thread, where what can
    /// fail (opening the spool) fails, then committed whole and taken over by the
    /// writer thread before its next batch. A reload thus applies entirely or not at all.
    public struct Reconfiguration {
        public let settings: Settings
        /// Opened by `prepare` when a webhook appears and no spool was open.
        let spool: Spool?
        /// A new transport (libcurl handle) when a webhook appears or the timeouts change.
        let poster: AlertTransport?
    }

    /// Validates new settings against the running router. The webhook, dedup window,
    /// storm limit and timeouts change live; host, version, the alert log and the spool
    /// (directory and bound) are the running ones whatever `new` says (a restart changes them).
    public func prepare(_ new: Settings) throws -> Reconfiguration {
        condition.lock()
        let current = pending?.settings ?? active
        let hasSpool = spool != nil || pending?.spool != nil
        let hasPoster = poster != nil || pending?.poster != nil
        condition.unlock()
        var next = new
        next.host = current.host
        next.sensorVersion = current.sensorVersion
        next.logPath = current.logPath
        next.spoolDirectory = current.spoolDirectory
        next.spoolMaxBytes = current.spoolMaxBytes
        guard next.webhook != nil else { return Reconfiguration(settings: next, spool: nil, poster: nil) }
        let newSpool = hasSpool ? nil : try Spool(directory: next.spoolDirectory, maxBytes: next.spoolMaxBytes)
        let timeoutsChanged =
            next.connectTimeoutMs != current.connectTimeoutMs || next.totalTimeoutMs != current.totalTimeoutMs
        let newPoster =
            hasPoster && !timeoutsChanged
            ? nil
            : makeTransport(next.connectTimeoutMs, next.totalTimeoutMs, "rigwatch/\(next.sensorVersion)")
        return Reconfiguration(settings: next, spool: newSpool, poster: newPoster)
    }

    /// Hands a prepared change to the writer thread; never fails.
    public func commit(_ change: Reconfiguration) {
        condition.lock()
        // A reload not yet taken over is replaced, keeping what it opened.
        pending = Reconfiguration(
            settings: change.settings, spool: change.spool ?? pending?.spool,
            poster: change.poster ?? pending?.poster)
        condition.broadcast()
        condition.unlock()
    }

    /// Writer thread, lock held. Open dedup folds and storm windows keep their end;
    /// the new window and limit count from the next ones.
    private func apply(_ change: Reconfiguration) {
        let webhookChanged = change.settings.webhook?.value != active.webhook?.value
        active = change.settings
        if let s = change.spool { spool = s }
        if let p = change.poster { poster = p }
        intake.aggregator.windowNs = Int64(active.dedupWindowSeconds * 1e9)
        intake.aggregator.perRuleLimit = active.perRuleLimit
        // A replaced webhook (say, after a 404) is tried at once.
        if webhookChanged { senderNeedsReset = true }
    }

    // MARK: Reporting

    /// Logs a line (redacted) and keeps it as the last error.
    private func note(error message: String) {
        let redacted = WebhookURL.redact(message)
        condition.lock()
        stats.lastError = redacted
        condition.unlock()
        log(redacted)
    }

    /// Logs a line (redacted) that is no error.
    private func note(info message: String) { log(WebhookURL.redact(message)) }

    private func log(_ line: String) {
        logLock.lock()
        onLog(line)
        logLock.unlock()
    }
}
