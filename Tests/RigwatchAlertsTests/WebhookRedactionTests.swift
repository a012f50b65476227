// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchTestSupport
import XCTest

@testable import RigwatchAlerts

/// The webhook token (and any password) never appears in an error or log line,
/// whatever shape the URL has: every error path of parsing, loading (environment
/// and file) and delivery, with URLs of every shape.
final class WebhookRedactionTests: XCTestCase {
    /// A URL shape and the secrets it carries.
    struct Shape {
        var url: String
        var secrets: [String]
        /// WebhookURL accepts it.
        var valid = false
        /// Redaction alone can hide it in any text: not a secret on a line of its own,
        /// which only WebhookURL sees (and never echoes).
        var inAnyText = true
    }

    static let token = "Xk3_9fQ-longDiscordLikeToken_aB12cD34eF56gH78iJ90kL12mN34oP56qR78sT90"

    static let shapes: [Shape] = [
        Shape(url: "https://discord.com/api/webhooks/123456/\(token)", secrets: [token], valid: true),
        Shape(url: "https://discord.com/api/v10/webhooks/123456/tokV10secret", secrets: ["tokV10secret"], valid: true),
        Shape(
            url: "https://discord.com/api/webhooks/123456/tokQuery?wait=true&thread_id=99",
            secrets: ["tokQuery"], valid: true),
        Shape(url: "https://DISCORD.com/API/WEBHOOKS/123456/tokUpper", secrets: ["tokUpper"]),
        Shape(url: "https://discord.com/Api/V10/Webhooks/123456/tokMixed", secrets: ["tokMixed"]),
        Shape(
            url: "https://hookuser:hunter2pass@discord.com/api/webhooks/123456/tokUserinfo",
            secrets: ["hunter2pass", "hookuser", "tokUserinfo"]),
        Shape(url: "https://:onlypass@discord.com/api/webhooks/1/tokNoUser", secrets: ["onlypass", "tokNoUser"]),
        Shape(
            url: "https://discord.com/api/webhooks/123456/tokSecretQ?token=qSecretValue&wait=1",
            secrets: ["tokSecretQ", "qSecretValue"], valid: true),
        Shape(
            url: "https://discord.com/api/webhooks/123456/tok%41Percent", secrets: ["tok%41Percent", "tokAPercent"],
            valid: true),
        Shape(url: "https://discord.com/api%2Fwebhooks%2F123456%2FtokEncoded", secrets: ["tokEncoded"]),
        Shape(url: "https%3A%2F%2Fdiscord.com%2Fapi%2Fwebhooks%2F1%2FtokAllEncoded", secrets: ["tokAllEncoded"]),
        Shape(url: "https://discord.com/api/webhook/123456/tokTypoSingular", secrets: ["tokTypoSingular"]),
        Shape(url: "https://discord.com/api/webhooks/tokNoId", secrets: ["tokNoId"]),
        Shape(url: "https://discord.com/api/webhooks/123456tokGlued", secrets: ["tokGlued"]),
        Shape(url: "https://discord.com/tokNoPath", secrets: ["tokNoPath"]),
        Shape(url: "https://discord.com/webhooks/123456/tokNoApi", secrets: ["tokNoApi"]),
        Shape(url: "https://discord.com/api/webhooks/123456/tokSlash/", secrets: ["tokSlash"]),
        Shape(url: "https://discord.com/api/webhooks/123456/tokSlack/slack", secrets: ["tokSlack"]),
        Shape(url: "https://discord.com/api/webhooks/123456/tokFrag#fragSecret", secrets: ["tokFrag", "fragSecret"]),
        Shape(url: "https:/discord.com/api/webhooks/123456/tokOneSlash", secrets: ["tokOneSlash"]),
        Shape(url: "https//discord.com/api/webhooks/123456/tokNoColon", secrets: ["tokNoColon"]),
        Shape(url: "discord.com/api/webhooks/123456/tokNoScheme", secrets: ["tokNoScheme"]),
        Shape(url: "http://discord.com/api/webhooks/123456/tokPlainHttp", secrets: ["tokPlainHttp"]),
        Shape(url: "ftp://discord.com/api/webhooks/123456/tokFtp", secrets: ["tokFtp"]),
        Shape(url: "htps://discord.com/api/webhooks/123456/tokSchemeTypo", secrets: ["tokSchemeTypo"]),
        Shape(url: "https://discord.com:tokPort/api/webhooks/1/x", secrets: ["tokPort"]),
        Shape(url: "https://discord.com/api/webhooks/123456/\(token)\nsecond line", secrets: [token]),
        Shape(url: "https://discord.com/api/webhooks/123456/\ntokOwnLine", secrets: ["tokOwnLine"], inAnyText: false),
        Shape(url: token, secrets: [token]),
    ]

    private func assertHidden(_ text: String, _ shape: Shape, _ what: String, line: UInt = #line) {
        for secret in shape.secrets {
            XCTAssertFalse(text.contains(secret), "\(what) shows \(secret): \(text)", line: line)
        }
    }

    private func temp() throws -> String {
        let dir = NSTemporaryDirectory() + "rwtest-redact-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    func testTheRedactionOfEachShapeIsExact() {
        let expected: [(String, String)] = [
            ("https://discord.com/api/webhooks/123456/tok", "https://discord.com/api/webhooks/123456/***"),
            ("https://discord.com/api/v10/webhooks/123456/tok", "https://discord.com/api/v10/webhooks/123456/***"),
            ("https://DISCORD.com/API/WEBHOOKS/123456/tok", "https://DISCORD.com/API/WEBHOOKS/123456/***"),
            ("https://u:p@discord.com/api/webhooks/1/tok", "https://***@discord.com/api/webhooks/1/***"),
            (
                "https://discord.com/api/webhooks/1/tok?wait=true&token=x",
                "https://discord.com/api/webhooks/1/***?wait=true&***"
            ),
            ("https://discord.com/api%2Fwebhooks%2F1%2Ftok", "https://discord.com/***"),
            ("https://discord.com/api/webhook/1/tok", "https://discord.com/api/webhook/1/***"),
            ("https://discord.com/tok", "https://discord.com/***"),
            ("https://discord.com", "https://discord.com"),
            ("https://discord.com/api/webhooks/1/tok#frag", "https://discord.com/api/webhooks/1/***#***"),
            ("discord.com/api/webhooks/1/tok", "discord.com/api/webhooks/1/***"),
            ("https://discord.com:tok/x", "https://discord.com:***/***"),
            ("http://127.0.0.1:8080/api/webhooks/1/tok", "http://127.0.0.1:8080/api/webhooks/1/***"),
            ("(see https://discord.com/api/webhooks/1/tok).", "(see https://discord.com/api/webhooks/1/***)."),
            ("\"https://discord.com/api/webhooks/1/tok\"", "\"https://discord.com/api/webhooks/1/***\""),
        ]
        for (text, redacted) in expected {
            XCTAssertEqual(WebhookURL.redact(text), redacted, text)
            XCTAssertEqual(WebhookURL.redact(redacted), redacted, "idempotent: \(redacted)")
        }
        for plain in [
            "refusing the webhook file /etc/rigwatch/webhook: it is readable by group or others (mode 640); run chmod 600 /etc/rigwatch/webhook",
            "Failed to connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to server",
            "Discord delivery failing: HTTP 503; retrying with backoff",
            "spool /var/lib/rigwatch/spool: write queue.log",
        ] {
            XCTAssertEqual(WebhookURL.redact(plain), plain, "text without a URL stays as it was")
        }
        XCTAssertEqual(WebhookURL.redact("token \(Self.token) leaked"), "token *** leaked", "a bare token too")
    }

    func testEveryShapeInAnyTextIsHidden() {
        for shape in Self.shapes where shape.inAnyText {
            for text in [
                shape.url, "error: \(shape.url)", "(\(shape.url))", "\"\(shape.url)\"", "'\(shape.url)'",
                "<\(shape.url)>",
                "[\(shape.url)]", "\(shape.url), then", "url=\(shape.url)",
            ] {
                assertHidden(WebhookURL.redact(text), shape, "redact(\(text.debugDescription))")
            }
        }
    }

    func testParsingAndLoadingNeverShowTheSecret() throws {
        let dir = try temp()
        var refused = 0
        for (i, shape) in Self.shapes.enumerated() {
            do {
                let url = try WebhookURL(shape.url)
                XCTAssertTrue(shape.valid, "accepted \(shape.url)")
                assertHidden(url.description, shape, "description")
                assertHidden("\(url)", shape, "interpolation")
            } catch {
                refused += 1
                XCTAssertFalse(shape.valid, "refused \(shape.url): \(error)")
                assertHidden(String(describing: error), shape, "WebhookURL(\(shape.url.debugDescription))")
            }
            do {
                _ = try WebhookURL.load(environment: ["RIGWATCH_DISCORD_WEBHOOK": shape.url], file: nil)
            } catch {
                let text = String(describing: error)
                XCTAssertTrue(text.hasPrefix("RIGWATCH_DISCORD_WEBHOOK: "), text)
                assertHidden(text, shape, "load(environment:)")
            }
            let file = dir + "/webhook-\(i)"
            try (shape.url + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            for mode: mode_t in [0o600, 0o644] {
                chmod(file, mode)
                do {
                    let url = try WebhookURL.load(environment: [:], file: file)
                    XCTAssertEqual(url?.value, shape.url.trimmingCharacters(in: .whitespacesAndNewlines))
                } catch {
                    assertHidden(String(describing: error), shape, "load(file:) mode \(String(mode, radix: 8))")
                }
            }
        }
        XCTAssertEqual(refused, Self.shapes.filter { !$0.valid }.count)
        XCTAssertThrowsError(try WebhookURL.load(environment: [:], file: dir + "/missing")) {
            XCTAssertEqual(
                String(describing: $0), "cannot read the webhook file \(dir)/missing: No such file or directory")
        }
        try Data([0xff, 0xfe, 0x00]).write(to: URL(fileURLWithPath: dir + "/binary"))
        chmod(dir + "/binary", 0o600)
        if geteuid() == 0 {
            XCTAssertThrowsError(try WebhookURL.load(environment: [:], file: dir + "/binary")) {
                XCTAssertEqual(
                    String(describing: $0), "cannot read the webhook file \(dir)/binary (not a readable UTF-8 file)")
            }
        }
    }

    func testTheErrorsSayWhatIsWrongWithTheURL() {
        func message(_ url: String) -> String {
            do {
                _ = try WebhookURL(url)
                return "accepted"
            } catch { return String(describing: error) }
        }
        XCTAssertEqual(
            message("https://discord.com/api/webhook/1/tok"),
            "the Discord webhook URL must look like https://discord.com/api/webhooks/ID/TOKEN (https://discord.com/api/webhook/1/***)"
        )
        XCTAssertEqual(
            message("https://u:pw@discord.com/api/webhooks/1/tok"),
            "the Discord webhook URL must not contain a user name or password (https://***@discord.com/api/webhooks/1/***)"
        )
        XCTAssertEqual(
            message("http://discord.com/api/webhooks/1/tok"),
            "the Discord webhook must be an https:// URL (http://discord.com/api/webhooks/1/***)")
        XCTAssertEqual(
            message("https://discord.com/api/webhooks/1/tok\nmore"),
            "the Discord webhook must be one URL; it contains spaces or line breaks")
        XCTAssertEqual(message("   "), "the Discord webhook is empty")
        XCTAssertEqual(message("tok"), "the Discord webhook is not a URL (tok)")
        XCTAssertEqual(message("https://discord.com/api/v10/webhooks/1/tok"), "accepted")
    }

    /// Every delivery path that logs or keeps an error, with a webhook of each valid
    /// shape: the token never shows, in the log lines or the last error.
    func testDeliveryErrorsNeverShowTheSecret() throws {
        // Two alerts: the first 400 refuses both, the second the first alone, then 404.
        let invalid = FakeAlertTransport.Answer.status(400, body: #"{"message":"Invalid Form Body"}"#)
        let answers: [FakeAlertTransport.Answer] = [
            .timeout, .reset, .refused, .status(500), .status(503, body: "upstream"), .globallyLimited(1), invalid,
            invalid, .status(404, body: #"{"message":"Unknown Webhook"}"#),
        ]
        for shape in Self.shapes where shape.valid {
            let dir = try temp()
            var s = AlertRouter.Settings(
                host: "h", sensorVersion: "test", logPath: dir + "/alerts.jsonl", spoolDirectory: dir + "/spool")
            s.webhook = try WebhookURL(shape.url)
            let discord = FakeAlertTransport(answers)
            let clock = ManualClock()
            let r = try AlertRouter(settings: s, clock: clock, transport: discord.factory)
            var lines: [String] = []
            r.onLog = { lines.append($0) }
            r.jitter = { 1 }
            for n in 1...2 {
                var alert = Alert(rule: "r", severity: .high, title: "t\(n)", eventTimeNs: 1, dedupKey: "k\(n)")
                alert.id = "a\(n)"
                r.submit(alert, eventWallNs: clock.wallNs)
            }
            for _ in 0..<12 {
                XCTAssertTrue(r.step())
                clock.advance(seconds: 60)
            }
            XCTAssertEqual(discord.requests.count, answers.count, shape.url)
            XCTAssertTrue(lines.contains { $0.contains("no longer exists (404)") }, "\(lines)")
            XCTAssertTrue(lines.contains { $0.contains("Discord refused alert a1 (HTTP 400") }, "\(lines)")
            assertHidden(lines.joined(separator: "\n"), shape, "delivery log")
            assertHidden(r.snapshot().lastError ?? "", shape, "last error")
            r.requestStop(drainSeconds: 0)
            XCTAssertFalse(r.step())
        }
    }

    /// HTTPPoster's own failures (libcurl's text) go through the same redaction.
    func testHTTPPosterFailuresAreRedacted() {
        let poster = HTTPPoster(connectTimeoutMs: 200, totalTimeoutMs: 500, userAgent: "rigwatch/test")
        for url in [
            "http://127.0.0.1:1/api/webhooks/1/tokRefused",
            "http://user:pwSecret@127.0.0.1:1/api/v10/webhooks/1/tokUser",
        ] {
            XCTAssertThrowsError(try poster.post(url: url, json: "{}")) { error in
                let text = String(describing: error)
                XCTAssertFalse(
                    text.contains("tokRefused") || text.contains("tokUser") || text.contains("pwSecret"), text)
                XCTAssertEqual((error as? HTTPPoster.Failure)?.requestSent, false, "refused: nothing was sent")
            }
        }
    }
}
