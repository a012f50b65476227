// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore

/// Between the engine and the sinks, off the hot path. The engine thread only
/// appends to an in-memory inbox under a lock; one router thread writes the
/// alert log, folds duplicates and storms, appends to the durable spool, and
/// delivers the spool to Discord in order, honouring its rate limits.
///
/// `@unchecked Sendable`: the engine thread and the router thread share it; every
/// field either thread touches is read and written under `condition`, the rest
/// belongs to the router thread alone.
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

    /// The settings in force. Written only by the router thread, under the lock
    /// (`apply`); the router thread reads it freely, other threads through `settings`.
    private var active: Settings
    private let log: AlertLog?
    /// Open while a webhook is (or was, since start or a reload) configured.
    private var spool: Spool?
    private var poster: AlertTransport?
    private let makeTransport: AlertTransportFactory
    /// Every time the router reads or waits for: stamps, fold windows, backoff, drain.
    private let clock: TimeSource
    private var aggregator: AlertAggregator
    private let condition = NSCondition()
    /// A reload waiting for the router thread (`commit`).
    private var pending: Reconfiguration?
    private var inbox: [(Alert, Int64)] = []
    private var stopping = false
    /// Wall ns.
    private var drainDeadline: Int64?
    private var thread: Thread?
    private var finished = false
    private var stats = Stats()
    /// Wall ns of the next delivery attempt.
    private var nextAttempt = Int64.min
    private var attempts = 0
    private var webhookGone = false
    private var singleNext = false
    /// Diagnostics (stderr in the CLI); never given the webhook URL unredacted.
    public var onLog: (String) -> Void = { FileHandle.standardError.write(Data("rigwatch: \($0)\n".utf8)) }
    /// The jitter of the backoff after a failure, in 0...1 (tests fix it).
    var jitter: () -> Double = { Double.random(in: 0...1) }

    /// `transport` makes the Discord transport (libcurl unless a test scripts one);
    /// `clock` is `SystemClock()` outside tests.
    public init(
        settings: Settings, clock: TimeSource, transport: @escaping AlertTransportFactory = HTTPPoster.factory
    ) throws {
        active = settings
        self.clock = clock
        makeTransport = transport
        log = try settings.logPath.map { try AlertLog(path: $0) }
        if settings.webhook != nil {
            spool = try Spool(directory: settings.spoolDirectory, maxBytes: settings.spoolMaxBytes)
            poster = transport(settings.connectTimeoutMs, settings.totalTimeoutMs, "rigwatch/\(settings.sensorVersion)")
        } else {
            spool = nil
            poster = nil
        }
        aggregator = AlertAggregator(windowSeconds: settings.dedupWindowSeconds, perRuleLimit: settings.perRuleLimit)
        stats.spoolDepth = spool?.count ?? 0
    }

    /// The settings in force (a committed reload counts once the router thread took it over).
    public var settings: Settings {
        condition.lock()
        defer { condition.unlock() }
        return active
    }

    /// Alerts left in the spool by an earlier run, delivered first and in order.
    public var spooledAtStart: Int { spool?.count ?? 0 }

    public func start() {
        let t = Thread { [weak self] in self?.runLoop() }
        t.name = "rigwatch-alerts"
        thread = t
        t.start()
    }

    /// Hands an alert over; never blocks on I/O.
    public func submit(_ alert: Alert, eventWallNs: Int64) {
        condition.lock()
        inbox.append((alert, eventWallNs))
        condition.signal()
        condition.unlock()
    }

    public func snapshot() -> Stats {
        condition.lock()
        defer { condition.unlock() }
        return stats
    }

    /// Stops the thread: what is folded goes out to the log/spool, and delivery
    /// goes on until the spool is empty or `drainSeconds` pass. The rest stays spooled.
    public func stop(drainSeconds: Double) {
        condition.lock()
        requestStop(drainSeconds: drainSeconds)
        condition.signal()
        while thread != nil && !finished { _ = condition.wait(until: Date().addingTimeInterval(0.1)) }
        condition.unlock()
    }

    /// Lock held (or no router thread, in tests): the next `step` is the last.
    func requestStop(drainSeconds: Double) {
        stopping = true
        drainDeadline = clock.wallNowNs() + Self.ns(drainSeconds)
    }

    private func runLoop() {
        while step() {
            condition.lock()
            if inbox.isEmpty && !stopping {
                _ = condition.wait(until: Date(timeIntervalSince1970: Double(nextWakeNs()) / 1e9))
            }
            condition.unlock()
        }
    }

    /// One turn of the router thread: takes over a committed reload, then logs,
    /// folds and spools what was submitted, then delivers if due. After a stop,
    /// it delivers until the spool is empty or the drain deadline, and returns false.
    /// Tests without a router thread call it directly.
    func step() -> Bool {
        condition.lock()
        let reloaded = pending != nil
        if let change = pending {
            pending = nil
            apply(change)
        }
        let batch = inbox
        inbox.removeAll()
        let isStopping = stopping
        condition.unlock()

        // A reload (SIGHUP, as logrotate's postrotate sends) reopens the alert log at once.
        if reloaded, let log {
            do { try log.reopen() } catch { note(error: "alert log: \(error)") }
        }
        let now = clock.wallNowNs()
        process(batch, nowNs: now, final: isStopping)
        if isStopping {
            deliverUntilEmpty()
            condition.lock()
            finished = true
            condition.broadcast()
            condition.unlock()
            return false
        }
        deliverIfDue()
        return true
    }

    /// Wall ns when the router thread must look again, idle: a second from now at
    /// the latest, sooner for a due delivery or the end of a fold window.
    func nextWakeNs() -> Int64 {
        let now = clock.wallNowNs()
        var wake = now + 1_000_000_000
        if let spool, !spool.isEmpty, canDeliver { wake = min(wake, max(nextAttempt, now)) }
        if let deadline = aggregator.nextDeadline { wake = min(wake, deadline) }
        return wake
    }

    /// Seconds as ns, the way the router adds waits to clock readings.
    static func ns(_ seconds: Double) -> Int64 { Int64((seconds * 1e9).rounded()) }

    private func process(_ batch: [(Alert, Int64)], nowNs: Int64, final: Bool) {
        var envelopes: [AlertEnvelope] = []
        for (alert, eventWallNs) in batch {
            envelopes.append(
                AlertEnvelope(
                    alert: alert, host: active.host, sensorVersion: active.sensorVersion,
                    eventWallNs: eventWallNs, detectedWallNs: nowNs))
        }
        do {
            try log?.append(envelopes.map(AlertEnvelopeJSON.encode))
        } catch {
            note(error: "alert log: \(error)")
        }
        var outgoing: [AlertEnvelope] = []
        for envelope in envelopes { outgoing += aggregator.submit(envelope, nowNs: nowNs) }
        outgoing += aggregator.flush(nowNs: nowNs, all: final)
        update {
            $0.received += batch.count
            $0.logged += self.log == nil ? 0 : batch.count
        }
        // A webhook removed by a reload: new alerts stop going to the spool; what it holds stays.
        guard let spool, active.webhook != nil else { return }
        for envelope in outgoing {
            do {
                if try spool.append(Array(AlertEnvelopeJSON.encode(envelope).utf8)) != nil {
                    update { $0.spooled += 1 }
                }
            } catch {
                note(error: "spool: \(error)")
            }
        }
        reportSpoolOverflow(nowNs: nowNs)
        update {
            $0.spoolDepth = spool.count
            $0.droppedSpoolFull = spool.droppedTotal
        }
    }

    /// When the spool had to refuse alerts, that loss becomes an alert of its own once there is room.
    private func reportSpoolOverflow(nowNs: Int64) {
        guard let spool, spool.droppedUnreported > 0 else { return }
        let lost = spool.droppedUnreported
        var alert = Alert(
            rule: "alert-spool-full", severity: .critical,
            title: "rigwatch dropped \(lost) alerts: the delivery spool was full",
            eventTimeNs: 0,
            evidence: [
                ("dropped", String(lost)), ("spool", active.spoolDirectory),
                ("note", "every alert is still in the local alert log"),
            ],
            dedupKey: "alert-spool-full")
        alert.id = "alert-spool-full-\(nowNs)"
        let envelope = AlertEnvelope(
            alert: alert, host: active.host, sensorVersion: active.sensorVersion,
            eventWallNs: nowNs, detectedWallNs: nowNs)
        if (try? spool.append(Array(AlertEnvelopeJSON.encode(envelope).utf8))) ?? nil != nil {
            try? spool.clearDroppedReport()
        }
    }

    /// A webhook is configured and has not said it is gone.
    private var canDeliver: Bool { active.webhook != nil && !webhookGone }

    private func deliverIfDue() {
        guard let spool, !spool.isEmpty, canDeliver, clock.wallNowNs() >= nextAttempt else { return }
        deliverOnce()
    }

    private func deliverUntilEmpty() {
        guard let spool else { return }
        while !spool.isEmpty && canDeliver {
            let deadline = drainDeadline ?? clock.wallNowNs()
            if nextAttempt > deadline { break }
            if clock.wallNowNs() < nextAttempt { clock.sleep(untilWallNs: nextAttempt) }
            if clock.wallNowNs() > deadline { break }
            deliverOnce()
        }
    }

    /// One POST of the oldest spooled alerts (up to one message's worth).
    private func deliverOnce() {
        guard let spool, let poster, let webhook = active.webhook else { return }
        let entries = Array(spool.entries.prefix(singleNext ? 1 : 10))
        var envelopes: [AlertEnvelope] = []
        for entry in entries {
            guard let envelope = try? AlertEnvelopeJSON.decode(entry.payload) else {
                // Not ours to fix: it cannot be sent; the alert log has it.
                note(error: "spool record \(entry.sequence) is unreadable; skipped")
                try? spool.acknowledge(through: entry.sequence)
                return
            }
            envelopes.append(envelope)
        }
        let (json, count) = DiscordPayload.build(envelopes[...])
        let outcome: DeliveryOutcome
        do {
            let response = try poster.post(url: webhook.value, json: json)
            outcome = DeliveryPolicy.classify(status: response.status, headers: response.headers, body: response.body)
        } catch {
            note(error: "Discord delivery: \(error)")
            outcome = .backoff
        }
        switch outcome {
        case .delivered(let wait):
            do { try spool.acknowledge(through: entries[count - 1].sequence) } catch { note(error: "spool: \(error)") }
            attempts = 0
            singleNext = false
            nextAttempt = clock.wallNowNs() + Self.ns(wait)
            update {
                $0.delivered += count
                $0.spoolDepth = spool.count
            }
        case .retryAfter(let seconds, let global):
            nextAttempt = clock.wallNowNs() + Self.ns(seconds)
            update { $0.rateLimited += 1 }
            if global { note(error: "Discord global rate limit: waiting \(seconds) s") }
        case .backoff:
            attempts += 1
            nextAttempt =
                clock.wallNowNs() + Self.ns(DeliveryPolicy.backoffSeconds(attempt: attempts, random: jitter()))
            update { $0.deliveryFailures += 1 }
        case .webhookGone:
            webhookGone = true
            note(
                error:
                    "Discord says the webhook \(webhook) no longer exists (404); alerts stay spooled in \(active.spoolDirectory) until it is replaced"
            )
            update { $0.deliveryFailures += 1 }
        case .rejected(let status, let message):
            update { $0.deliveryFailures += 1 }
            if count > 1 {
                singleNext = true  // find the one Discord refuses
            } else {
                note(
                    error:
                        "Discord refused alert \(envelopes[0].alert.id) (HTTP \(status): \(message)); it stays in the alert log, skipped for Discord"
                )
                try? spool.acknowledge(through: entries[0].sequence)
                singleNext = false
            }
        }
    }

    // MARK: Reload

    /// A validated change of settings: prepared on the caller's thread, where what can
    /// fail (opening the spool) fails, then committed whole and taken over by the
    /// router thread before its next batch. A reload thus applies entirely or not at all.
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

    /// Hands a prepared change to the router thread; never fails.
    public func commit(_ change: Reconfiguration) {
        condition.lock()
        // A reload not yet taken over is replaced, keeping what it opened.
        pending = Reconfiguration(
            settings: change.settings, spool: change.spool ?? pending?.spool,
            poster: change.poster ?? pending?.poster)
        condition.signal()
        condition.unlock()
    }

    /// Router thread, lock held. Open dedup folds and storm windows keep their end;
    /// the new window and limit count from the next ones.
    private func apply(_ change: Reconfiguration) {
        let webhookChanged = change.settings.webhook?.value != active.webhook?.value
        active = change.settings
        if let s = change.spool { spool = s }
        if let p = change.poster { poster = p }
        aggregator.windowNs = Int64(active.dedupWindowSeconds * 1e9)
        aggregator.perRuleLimit = active.perRuleLimit
        if webhookChanged {
            // A replaced webhook (say, after a 404) is tried at once.
            webhookGone = false
            attempts = 0
            singleNext = false
            nextAttempt = .min
        }
        stats.spoolDepth = spool?.count ?? 0
    }

    private func update(_ change: (inout Stats) -> Void) {
        condition.lock()
        change(&stats)
        condition.unlock()
    }

    private func note(error message: String) {
        let redacted = WebhookURL.redact(message)
        update { $0.lastError = redacted }
        onLog(redacted)
    }
}
