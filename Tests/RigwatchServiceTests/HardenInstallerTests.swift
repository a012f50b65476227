// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchService
import XCTest

/// The harden installer on a staged tree, with visudo stood in for (`/bin/true`,
/// `/bin/false`); the real visudo and sudo are HardenTests' (integration).
final class HardenInstallerTests: XCTestCase {
    private var root = ""
    private let grant = "# Vast.ai\nvastai_kaalia ALL=(ALL) NOPASSWD:ALL\n"

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "rwtest-harden-unit-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root + "/etc/sudoers.d", withIntermediateDirectories: true)
        try grant.write(toFile: root + "/etc/sudoers.d/vastai", atomically: false, encoding: .utf8)
        let root = self.root
        addTeardownBlock { try? FileManager.default.removeItem(atPath: root) }
    }

    private func installer(visudo: String = "/bin/true") -> HardenInstaller {
        var installer = HardenInstaller(
            host: HardenHost(root: root), backupRoot: root + "/var/lib/rigwatch/harden-backup")
        installer.visudo = visudo
        return installer
    }

    private func plan() throws -> HardenPlan {
        try HardenHost(root: root).planSudoers(
            dropIn: "rigwatch-whitelist", dropInText: "vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/id\n",
            watched: ["vastai_kaalia"], members: { _ in nil })
    }

    private func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: root + path).map { String(decoding: $0, as: UTF8.self) }
    }

    func testTheManifestReadsBackWhatWasWritten() throws {
        let manifest = HardenManifest(entries: [
            .sysctl(key: "fs.suid_dumpable", value: "2"), .modified(path: "/etc/sudoers.d/vastai", index: 0),
            .created(path: "/etc/sudoers.d/rigwatch-whitelist", index: 1),
        ])
        XCTAssertEqual(
            manifest.text,
            "rigwatch harden backup 1\nsysctl\tfs.suid_dumpable\t2\nmodified\t/etc/sudoers.d/vastai\t0\n"
                + "created\t/etc/sudoers.d/rigwatch-whitelist\t1\n")
        XCTAssertEqual(try HardenManifest.parse(manifest.text), manifest)
        XCTAssertThrowsError(try HardenManifest.parse("rigwatch harden backup 1\nmoved\t/x\t1\n")) {
            XCTAssertEqual(String(describing: $0), "line 2: unknown entry 'moved'")
        }
    }

    func testDropInNamesSudoWouldIgnoreAreRefused() {
        XCTAssertNil(HardenLayout.dropInNameProblem("rigwatch-whitelist"))
        for name in ["", "a.conf", "a~", "../x"] { XCTAssertNotNil(HardenLayout.dropInNameProblem(name), name) }
    }

    func testUndoKeepsEditsMadeSinceAndRestoresTheDisabledLines() throws {
        let plan = try plan()
        XCTAssertEqual(plan.files.map(\.path), ["/etc/sudoers.d/vastai", "/etc/sudoers.d/rigwatch-whitelist"])
        let backup = try installer().apply(plan)
        XCTAssertEqual(
            read("/etc/sudoers.d/vastai"),
            "# Vast.ai\n\(SudoersGrantRewrite.marker)vastai_kaalia ALL=(ALL) NOPASSWD:ALL\n")
        XCTAssertEqual(try self.plan().files, [], "idempotent")
        // The operator adds a line after harden ran.
        let edited = read("/etc/sudoers.d/vastai")! + "alice ALL=(root) /usr/bin/id\n"
        try edited.write(toFile: root + "/etc/sudoers.d/vastai", atomically: false, encoding: .utf8)
        let undone = try XCTUnwrap(try installer().undo())
        XCTAssertEqual(undone.directory, backup)
        XCTAssertEqual(
            undone.plan.notes,
            [
                "remove /etc/sudoers.d/rigwatch-whitelist",
                "restore the disabled lines of /etc/sudoers.d/vastai (changed since harden)",
            ])
        XCTAssertEqual(read("/etc/sudoers.d/vastai"), grant + "alice ALL=(root) /usr/bin/id\n")
        XCTAssertNil(read("/etc/sudoers.d/rigwatch-whitelist"))
        XCTAssertNil(try installer().undo(), "nothing left to undo")
    }

    func testASudoersThatNeverReadsTheDropInIsRefused() throws {
        try "root ALL=(ALL:ALL) ALL\n".write(toFile: root + "/etc/sudoers", atomically: false, encoding: .utf8)
        XCTAssertThrowsError(try plan()) {
            XCTAssertEqual(
                String(describing: $0),
                "refused: \(root)/etc/sudoers does not include /etc/sudoers.d (@includedir), so sudo would never read the drop-in"
            )
        }
    }

    func testAGrantSharedWithOthersIsKeptAndSaysWhetherTheDropInOverridesIt() throws {
        let sudoers = "%admins ALL=(ALL) ALL\n@includedir /etc/sudoers.d\nalice,vastai_kaalia ALL=(ALL) ALL\n"
        try sudoers.write(toFile: root + "/etc/sudoers", atomically: false, encoding: .utf8)
        try "bob,vastai_kaalia ALL=(ALL) NOPASSWD: ALL\n".write(
            toFile: root + "/etc/sudoers.d/zz-shared", atomically: false, encoding: .utf8)
        let plan = try HardenHost(root: root).planSudoers(
            dropIn: "rigwatch-whitelist", dropInText: "x\n", watched: ["vastai_kaalia"],
            members: { $0 == "admins" ? ["vastai_kaalia", "carol"] : nil })
        XCTAssertEqual(
            plan.notes.filter { $0.hasPrefix("keep ") },
            [
                "keep /etc/sudoers:1: %admins ALL=(ALL) ALL: it also grants ALL to %admins (carol); read before the drop-in, whose !ALL line overrides it",
                "keep /etc/sudoers:3: alice,vastai_kaalia ALL=(ALL) ALL: it also grants ALL to alice; read after the drop-in, so it still grants ALL: take the watched users out of it",
                "keep /etc/sudoers.d/zz-shared:1: bob,vastai_kaalia ALL=(ALL) NOPASSWD: ALL: it also grants ALL to bob; read after the drop-in, so it still grants ALL: take the watched users out of it",
            ])
        XCTAssertEqual(plan.files.map(\.path), ["/etc/sudoers.d/vastai", "/etc/sudoers.d/rigwatch-whitelist"])
    }

    func testARejectedCandidateChangesNothing() throws {
        XCTAssertThrowsError(try installer(visudo: "/bin/false").apply(try plan())) {
            XCTAssertEqual(
                String(describing: $0), "visudo rejected the new /etc/sudoers.d/vastai; nothing was changed:\n")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root + "/etc/sudoers.d"), ["vastai"])
        XCTAssertEqual(read("/etc/sudoers.d/vastai"), grant)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/var"), "no backup")
    }
}
