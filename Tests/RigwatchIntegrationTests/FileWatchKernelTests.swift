// SPDX-License-Identifier: Apache-2.0
import Foundation
import XCTest

/// File-change monitoring on the real kernel: writes, renames and unlinks under
/// test-owned watched paths, by a test user, through sudo and by root, while
/// `rigwatch run` watches.
final class FileWatchKernelTests: XCTestCase {
    override func setUpWithError() throws { try requireRoot() }

    /// A directory tree of the test's own: watched/ and outside/, owned by `user`.
    private func makeTree(owner user: TestUser) throws -> String {
        let dir = "/tmp/rwtest-fw-\(UUID().uuidString.prefix(8))"
        for sub in ["watched", "outside"] {
            try FileManager.default.createDirectory(atPath: "\(dir)/\(sub)", withIntermediateDirectories: true)
            chown("\(dir)/\(sub)", user.uid, user.gid)
        }
        chmod(dir, 0o755)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    private func asUser(_ user: TestUser, _ script: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try runCommand("/usr/bin/setpriv", user.asUser(["/bin/sh", "-c", script]))
        XCTAssertEqual(r.status, 0, "\(script): \(r.stderr)", file: file, line: line)
    }

    func testWritesUnderWatchedPathsAlertOnceEachAndWritesOutsideDoNot() throws {
        let user = try TestUser.create(self, suffix: "fw")
        let dir = try makeTree(owner: user)
        try installSudoers(
            self, name: "rwtestfw", content: "\(user.name) ALL=(root) NOPASSWD: /usr/bin/tee \(dir)/watched/*\n")
        let config = try scratchConfig(
            self,
            body: """
                watch_users: [\(user.name)]
                files:
                  paths: [\(dir)/watched, \(dir)/crontab]
                  maintenance:
                    - path: \(dir)/watched/maint-*
                      program: /usr/bin/tee
                      lineage: watched
                """)
        let sensor = try SensorProcess(["run", "--config", config, "--events", "all"])
        // Watched lineage, as the user and through sudo: one alert each.
        try asUser(user, "echo job > \(dir)/watched/by-user")
        try asUser(user, "echo job | sudo -n /usr/bin/tee \(dir)/watched/by-sudo > /dev/null")
        // Allowed maintenance: tee in the watched lineage writing its own file.
        try asUser(user, "echo job | sudo -n /usr/bin/tee \(dir)/watched/maint-cron > /dev/null")
        // Outside the watched paths, and a name that only starts like one: nothing.
        try asUser(user, "echo x > \(dir)/outside/file && mv \(dir)/outside/file \(dir)/outside/file2")
        _ = try sh("echo y > \(dir)/crontab.bak")
        // An unknown (unwatched) process: a relative rename into the tree, and an
        // unlink through "./" that the kernel leaves to userspace to normalise.
        _ = try sh(
            "cd \(dir)/outside && mv file2 ../watched/moved-in && rm \(dir)/watched/./by-user && rm \(dir)/outside/../crontab.bak"
        )
        sleep(1)
        let out = SensorOutput(sensor.stop())
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)

        let changes = out.events("file_change")
        let byUser = changes.filter {
            $0["path"] as? String == "\(dir)/watched/by-user" && $0["op"] as? String == "open_write"
        }
        XCTAssertEqual(byUser.count, 1, "\(changes)")
        XCTAssertEqual((byUser.first?["uid"] as? NSNumber)?.uint32Value, user.uid)
        XCTAssertEqual((byUser.first?["lineage_uid"] as? NSNumber)?.uint32Value, user.uid)
        let bySudo = changes.filter { $0["path"] as? String == "\(dir)/watched/by-sudo" }
        XCTAssertEqual(bySudo.count, 1, "\(changes)")
        XCTAssertEqual((bySudo.first?["euid"] as? NSNumber)?.uint32Value, 0)
        XCTAssertEqual((bySudo.first?["lineage_uid"] as? NSNumber)?.uint32Value, user.uid)
        XCTAssertEqual(bySudo.first?["comm"] as? String, "tee")
        // The kernel filtered by prefix: nothing under outside/ or a look-alike name was reported, except
        // the rename whose new name is watched and the "../" unlink it could not judge itself.
        for change in changes {
            let paths = [change["path"] as? String ?? "", change["path2"] as? String ?? ""]
            XCTAssertTrue(
                paths.contains { $0.hasPrefix("\(dir)/watched/") || $0.contains("/./") || $0.contains("/../") },
                "unexpected file_change \(change)")
        }

        let alerts = out.alerts(rule: "file-change")
        // The paths an alert is about (its evidence), not command lines in its chain.
        func mentioning(_ path: String) -> Int {
            alerts.filter {
                let evidence = $0["evidence"] as? [String: Any] ?? [:]
                return [evidence["path"], evidence["new_path"]].contains { ($0 as? String)?.contains(path) ?? false }
            }.count
        }
        XCTAssertEqual(mentioning("\(dir)/watched/by-user"), 2, "the write and the unlink: \(alerts.map(jsonText))")
        XCTAssertEqual(mentioning("\(dir)/watched/by-sudo"), 1, "\(alerts.map(jsonText))")
        XCTAssertEqual(mentioning("\(dir)/watched/moved-in"), 1, "\(alerts.map(jsonText))")
        XCTAssertEqual(mentioning("maint-cron"), 0, "maintenance must not alert: \(alerts.map(jsonText))")
        XCTAssertEqual(mentioning("crontab.bak"), 0, "\(alerts.map(jsonText))")
        XCTAssertEqual(
            alerts.filter {
                (($0["evidence"] as? [String: Any])?["path"] as? String)?.hasSuffix("/outside/file") ?? false
            }.count,
            0, "\(alerts.map(jsonText))")
        XCTAssertEqual(alerts.count, 4, "\(alerts.map(jsonText))")
    }

    func testOpensAreResolvedThroughSymlinksAndRelativePaths() throws {
        let user = try TestUser.create(self, suffix: "fwlink")
        let dir = try makeTree(owner: user)
        let config = try scratchConfig(
            self,
            body: """
                watch_users: [\(user.name)]
                files:
                  paths: [\(dir)/watched]
                """)
        let sensor = try SensorProcess(["run", "--config", config, "--events", "all"])
        // A symlink outside the tree that points into it, and a write relative to the cwd.
        try asUser(
            user,
            "ln -s \(dir)/watched \(dir)/outside/alias && echo a > \(dir)/outside/alias/through-link && cd \(dir)/watched && echo b > relative"
        )
        sleep(1)
        let out = SensorOutput(sensor.stop())
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)
        let opened = Set(
            out.events("file_change").filter { $0["op"] as? String == "open_write" }.compactMap {
                $0["path"] as? String
            })
        XCTAssertEqual(opened, ["\(dir)/watched/through-link", "\(dir)/watched/relative"])
        XCTAssertEqual(out.alerts(rule: "file-change").count, 2, "\(out.alerts.map(jsonText))")
    }

    func testSIGHUPReplacesTheWatchedPathsInTheKernel() throws {
        let user = try TestUser.create(self, suffix: "fwhup")
        let dir = try makeTree(owner: user)
        let body = { (watched: String) in
            "watch_users: [\(user.name)]\nfiles:\n  paths: [\(dir)/\(watched)]\ntamper:\n  integrity_check_seconds: 1\n"
        }
        let config = try scratchConfig(self, body: body("watched"))
        let sensor = try SensorProcess(["run", "--config", config, "--events", "all"])
        // The same file with outside/ watched instead; the rest of the scratch config stays.
        let text = try String(contentsOfFile: config, encoding: .utf8)
        try text.replacingOccurrences(of: "paths: [\(dir)/watched]", with: "paths: [\(dir)/outside]")
            .write(toFile: config, atomically: true, encoding: .utf8)
        sensor.signal(SIGHUP)
        try sensor.waitForStderr("watched paths now: 1")
        try asUser(user, "echo a > \(dir)/watched/no-longer && echo b > \(dir)/outside/now-watched")
        sleep(2)  // past a self-check: our own rewrite of the map is not tampering
        let out = SensorOutput(sensor.stop())
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)
        let paths = out.events("file_change").compactMap { $0["path"] as? String }
        XCTAssertEqual(paths, ["\(dir)/outside/now-watched"])
        XCTAssertEqual(out.alerts(rule: "file-change").count, 1, "\(out.alerts.map(jsonText))")
        XCTAssertEqual(out.events("integrity").count, 0, "\(out.events("integrity"))")
        XCTAssertTrue(sensor.stderrText.contains("files.paths"), sensor.stderrText)
    }
}
