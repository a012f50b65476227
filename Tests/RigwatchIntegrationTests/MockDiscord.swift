// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchTestSupport
import XCTest

/// The Discord stand-in (Tests/Fixtures/discord/mock_discord.py) on 127.0.0.1:
/// started per test, stopped afterwards, talked to over real HTTP.
final class MockDiscord {
    let process = Process()
    let dir: String
    let port: Int
    var webhook: String { "http://127.0.0.1:\(port)/api/webhooks/1234567890/rwtest-token" }
    var recordFile: String { dir + "/received.jsonl" }

    init(_ test: XCTestCase) throws {
        dir = NSTemporaryDirectory() + "rwtest-discord-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let portFile = dir + "/port"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", Repo.root + "/Tests/Fixtures/discord/mock_discord.py", "--port", "0",
            "--record", dir + "/received.jsonl", "--port-file", portFile,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        var found: Int?
        for _ in 0..<100 where found == nil {
            usleep(50_000)
            found = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap {
                Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        guard let found else { throw SetupError("mock Discord did not start") }
        port = found
        let process = self.process
        let dir = self.dir
        test.addTeardownBlock {
            process.terminate()
            process.waitUntilExit()
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    /// POST /admin/<path> with a JSON body.
    @discardableResult
    func admin(_ path: String, _ json: String) throws -> String {
        let r = try runCommand(
            "/usr/bin/curl",
            [
                "-s", "-X", "POST", "-H", "Content-Type: application/json",
                "--data", json, "http://127.0.0.1:\(port)/admin/\(path)",
            ])
        return r.stdout
    }

    func stats() throws -> [String: Int] {
        let r = try runCommand("/usr/bin/curl", ["-s", "http://127.0.0.1:\(port)/admin/stats"])
        return (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Int]) ?? [:]
    }

    /// The accepted message bodies, in arrival order, with their receive times.
    func received() throws -> [(body: [String: Any], receivedAt: Double)] {
        guard let text = try? String(contentsOfFile: recordFile, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            let body = (o["body"] as? [String: Any]) ?? [:]
            let at = (o["received_at"] as? NSNumber)?.doubleValue ?? 0
            return (body, at)
        }
    }

    /// Every embed received, in order.
    func embeds() throws -> [[String: Any]] {
        try received().flatMap { ($0.body["embeds"] as? [[String: Any]]) ?? [] }
    }

    /// The embed titles of each accepted message, in arrival order.
    func messageTitles() throws -> [[String]] {
        try received().map { (($0.body["embeds"] as? [[String: Any]]) ?? []).map { $0["title"] as? String ?? "" } }
    }

    /// Polls the stats every 20 ms until `condition` holds; false after `timeout`.
    func waitForStats(timeout: TimeInterval, _ condition: ([String: Int]) -> Bool) throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            if condition(try stats()) { return true }
            usleep(20_000)
        } while Date() < deadline
        return false
    }

    func waitForEmbeds(_ count: Int, timeout: TimeInterval) throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(timeout)
        var embeds = try self.embeds()
        while embeds.count < count && Date() < deadline {
            usleep(100_000)
            embeds = try self.embeds()
        }
        return embeds
    }
}
