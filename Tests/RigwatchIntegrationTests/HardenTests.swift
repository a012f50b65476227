// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchService
import RigwatchTestSupport
import XCTest

/// `rigwatch harden` on a staged root (install, idempotence, undo, a candidate visudo
/// rejects) and on this host's real sudo, for a test user and drop-ins of the test's own.
final class HardenTests: XCTestCase {
    private func rigwatch(
        _ args: [String], status: Int32, file: StaticString = #filePath, line: UInt = #line
    ) throws -> CommandResult {
        let r = try runCommand(
            "/usr/bin/env", ["RIGWATCH_DEFAULT_CONFIG=/nonexistent/rwtest.yaml", InstallTests.binary, "harden"] + args)
        XCTAssertEqual(
            r.status, status, "harden \(args.joined(separator: " ")): \(r.stdout)\(r.stderr)", file: file, line: line)
        return r
    }

    /// Every regular file under `dir` (dot files too): its bytes, mode and owner.
    private func snapshot(_ dir: String) -> [String: String] {
        var files: [String: String] = [:]
        let walker = FileManager.default.enumerator(atPath: dir)
        while let name = walker?.nextObject() as? String {
            var st = stat()
            guard lstat("\(dir)/\(name)", &st) == 0, st.st_mode & S_IFMT == S_IFREG else { continue }
            let bytes = FileManager.default.contents(atPath: "\(dir)/\(name)") ?? Data()
            files[name] =
                "\(String(st.st_mode & 0o7777, radix: 8)) \(st.st_uid):\(st.st_gid) \(String(decoding: bytes, as: UTF8.self))"
        }
        return files
    }

    private let vastai = "# Vast.ai\nvastai_kaalia ALL=(ALL) NOPASSWD:ALL\nroot ALL=(ALL) ALL\n"

    /// etc/sudoers and etc/sudoers.d/vastai, 0440 root:root, as a Vast.ai host has them.
    private func stagedRoot() throws -> String {
        try requireRoot()
        let root = try tempDir("harden")
        try FileManager.default.createDirectory(atPath: root + "/etc/sudoers.d", withIntermediateDirectories: true)
        let sudoers =
            "Defaults\tenv_reset\nroot\tALL=(ALL:ALL) ALL\n%sudo\tALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n"
        try sudoers.write(toFile: root + "/etc/sudoers", atomically: false, encoding: .utf8)
        try vastai.write(toFile: root + "/etc/sudoers.d/vastai", atomically: false, encoding: .utf8)
        chmod(root + "/etc/sudoers", 0o440)
        chmod(root + "/etc/sudoers.d/vastai", 0o440)
        return root
    }

    func testAStagedRootIsHardenedOnceAndUndoneByteForByte() throws {
        let root = try stagedRoot()
        let config = try scratchConfig(self, body: "watch_users: [vastai_kaalia]\n")
        let original = snapshot(root)
        let args = ["--sudoers", "--core-limits", "--root", root, "--config", config]

        let dry = try rigwatch(args + ["--dry-run"], status: 1)
        XCTAssertEqual(
            Array(dry.stdout.split(separator: "\n").prefix(6)),
            [
                "dry run: nothing changed; harden would:",
                "  disable /etc/sudoers.d/vastai:2: vastai_kaalia ALL=(ALL) NOPASSWD:ALL",
                "  write /etc/sudoers.d/rigwatch-whitelist (0440): the whitelist for vastai_kaalia",
                "  write /etc/security/limits.d/rigwatch-core.conf (0644)",
                "  write /etc/sysctl.d/60-rigwatch-core.conf (0644)",
                "--- \(root)/etc/sudoers.d/rigwatch-whitelist",
            ])
        XCTAssertTrue(dry.stdout.contains("\nvastai_kaalia ALL=(root) NOPASSWD: /usr/bin/nvidia-smi -pm 1\n"))
        XCTAssertEqual(snapshot(root), original, "a dry run changes nothing")

        let run = try rigwatch(args, status: 0)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "disable /etc/sudoers.d/vastai:2: vastai_kaalia ALL=(ALL) NOPASSWD:ALL")
        let backupLine = try XCTUnwrap(lines.last)
        XCTAssertTrue(backupLine.hasPrefix("backup: \(root)/var/lib/rigwatch/harden-backup/"), backupLine)
        let after = snapshot(root)
        XCTAssertEqual(
            after["etc/sudoers.d/vastai"],
            "440 0:0 # Vast.ai\n# rigwatch harden: disabled: vastai_kaalia ALL=(ALL) NOPASSWD:ALL\nroot ALL=(ALL) ALL\n"
        )
        XCTAssertEqual(after["etc/sudoers"], original["etc/sudoers"])
        let dropIn = try XCTUnwrap(after["etc/sudoers.d/rigwatch-whitelist"])
        XCTAssertTrue(dropIn.hasPrefix("440 0:0 # Written by `rigwatch harden --sudoers`"), dropIn)
        XCTAssertTrue(dropIn.contains("\nvastai_kaalia ALL=(ALL:ALL) !ALL\n"), dropIn)
        XCTAssertTrue(
            dropIn.contains("\nvastai_kaalia ALL=(root) NOPASSWD: /usr/sbin/sysctl -w kernel.core_pattern\\=*\n"),
            dropIn)
        XCTAssertEqual(after["etc/security/limits.d/rigwatch-core.conf"], "644 0:0 " + CoreLimitFiles.limitsText)
        XCTAssertEqual(after["etc/sysctl.d/60-rigwatch-core.conf"], "644 0:0 " + CoreLimitFiles.sysctlText)
        XCTAssertEqual(after.keys.filter { $0.hasPrefix("etc/") && $0.contains("/.") }, [], "no candidate left")
        for file in ["etc/sudoers", "etc/sudoers.d/vastai", "etc/sudoers.d/rigwatch-whitelist"] {
            let check = try runCommand("/usr/sbin/visudo", ["-c", "-f", "\(root)/\(file)"])
            XCTAssertEqual(check.status, 0, "\(file): \(check.stdout)\(check.stderr)")
        }

        let again = try rigwatch(args, status: 0)
        XCTAssertEqual(again.stdout, "nothing to change: the sudoers drop-in and the core limits already in place\n")
        XCTAssertEqual(snapshot(root), after, "a second run changes nothing, and makes no backup")

        let undo = try rigwatch(["--undo", "--root", root], status: 0)
        XCTAssertEqual(
            undo.stdout.split(separator: "\n").dropLast().map(String.init),
            [
                "remove /etc/sysctl.d/60-rigwatch-core.conf", "remove /etc/security/limits.d/rigwatch-core.conf",
                "remove /etc/sudoers.d/rigwatch-whitelist", "restore /etc/sudoers.d/vastai",
            ])
        XCTAssertEqual(snapshot(root).filter { $0.key.hasPrefix("etc/") }, original, "undo restores byte for byte")
        XCTAssertEqual(try rigwatch(["--undo", "--root", root], status: 0).stdout, "nothing to undo\n")
    }

    func testACandidateVisudoRejectsNeverReachesEtc() throws {
        let root = try stagedRoot()
        // A path with a backslash: the sensor can match it, sudoers cannot name it.
        let config = try scratchConfig(
            self, body: "watch_users: [vastai_kaalia]\npolicy:\n  rules: [\"/usr/bin/x\\\\\\\\y\"]\n")
        let original = snapshot(root)
        let r = try rigwatch(["--sudoers", "--root", root, "--config", config], status: 2)
        XCTAssertTrue(
            r.stderr.hasPrefix(
                "rigwatch: error: visudo rejected the new /etc/sudoers.d/rigwatch-whitelist; nothing was changed:\n"
                    + "\(root)/etc/sudoers.d/.rigwatch-whitelist.rigwatch-harden:"),
            r.stderr)
        XCTAssertTrue(r.stderr.contains("expected a fully-qualified path name"), r.stderr)
        XCTAssertTrue(r.stderr.contains("NOPASSWD: /usr/bin/x\\\\y\n"), r.stderr)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(snapshot(root), original, "etc/ unchanged, no candidate left, no backup")
    }

    func testTheHostsSudoEnforcesTheWhitelistUntilUndo() throws {
        try requireRoot()
        let user = try TestUser.create(self, suffix: "harden")
        let grant = "\(user.name) ALL=(ALL) NOPASSWD:ALL\n"
        try installSudoers(self, name: "rwtest-harden", content: grant)
        let dropIn = "/etc/sudoers.d/rwtest-harden-whitelist"
        addTeardownBlock {
            unlink(dropIn)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: "/etc/sudoers.d")) ?? []
            where name.hasPrefix(".rwtest-harden") && name.hasSuffix(".rigwatch-harden") {
                unlink("/etc/sudoers.d/\(name)")
            }
        }
        let backups = try tempDir("harden-backup")
        let config = try scratchConfig(self, body: "watch_users: [\(user.name)]\n")
        func sudoList(_ command: [String] = []) throws -> CommandResult {
            try runCommand("/usr/bin/sudo", ["-l", "-U", user.name] + command)
        }
        XCTAssertTrue(try sudoList().stdout.contains("(ALL) NOPASSWD: ALL"))

        let run = try rigwatch(
            ["--sudoers", "--drop-in", "rwtest-harden-whitelist", "--backup-dir", backups, "--config", config],
            status: 0)
        XCTAssertEqual(
            Array(run.stdout.split(separator: "\n").prefix(2)),
            [
                "disable /etc/sudoers.d/rwtest-harden:1: \(user.name) ALL=(ALL) NOPASSWD:ALL",
                "write \(dropIn) (0440): the whitelist for \(user.name)",
            ])
        XCTAssertEqual(
            try String(contentsOfFile: "/etc/sudoers.d/rwtest-harden", encoding: .utf8),
            SudoersGrantRewrite.marker + grant)
        let listed = try sudoList()
        XCTAssertFalse(listed.stdout.contains("(ALL) NOPASSWD: ALL"), listed.stdout)
        XCTAssertTrue(listed.stdout.contains("(root) NOPASSWD: /usr/bin/apt-get update"), listed.stdout)
        XCTAssertEqual(try sudoList(["/usr/bin/apt-get", "update"]).status, 0, "a whitelisted command is allowed")
        XCTAssertEqual(try sudoList(["/usr/bin/id"]).status, 1, "anything else is not")

        let backupLine = try XCTUnwrap(run.stdout.split(separator: "\n").last)
        XCTAssertTrue(backupLine.hasPrefix("backup: \(backups)/"), String(backupLine))
        let backup = backupLine.dropFirst("backup: ".count).prefix { $0 != " " }
        let undo = try rigwatch(["--undo", "--backup-dir", backups], status: 0)
        XCTAssertEqual(undo.stdout, "remove \(dropIn)\nrestore /etc/sudoers.d/rwtest-harden\nundone: \(backup)\n")
        XCTAssertEqual(try String(contentsOfFile: "/etc/sudoers.d/rwtest-harden", encoding: .utf8), grant)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dropIn))
        XCTAssertTrue(try sudoList().stdout.contains("(ALL) NOPASSWD: ALL"))
        XCTAssertEqual(try sudoList(["/usr/bin/id"]).status, 0)
    }
}
