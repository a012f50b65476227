// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchTestSupport
import XCTest

/// `rigwatch --version`: the release and the commit `make` generated into
/// Sources/CBuildInfo/generated/ (packaging/build-info.sh, checked against git by
/// Tests/package/build-info-test.sh), or "unknown" for a build without it. No root needed.
final class VersionTests: XCTestCase {
    func testVersionNamesTheReleaseAndTheGeneratedCommit() throws {
        guard FileManager.default.isExecutableFile(atPath: Repo.rigwatchBinary) else {
            throw SetupError("\(Repo.rigwatchBinary) is not built: run `swift build` (make test does)")
        }
        var commit = "unknown"
        let generated = Repo.root + "/Sources/CBuildInfo/generated/rw_build_commit.c"
        if let text = try? String(contentsOfFile: generated, encoding: .utf8) {
            let line = text.split(separator: "\n").first { $0.contains("return \"") }
            commit = line.map { String($0.split(separator: "\"")[1]) } ?? "(no commit in \(generated))"
        }
        let r = try runCommand(Repo.rigwatchBinary, ["--version"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // The release is SensorVersion.number (Sources/rigwatch/SensorVersion.swift).
        XCTAssertEqual(r.stdout, "0.1.0 (commit \(commit))\n")
    }
}
