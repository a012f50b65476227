// SPDX-License-Identifier: Apache-2.0
import RigwatchConfig
import RigwatchService
import XCTest

/// The configuration `rigwatch install` writes: commented-out defaults that parse back to them.
final class FilesDefaultConfigTests: XCTestCase {
    /// The installed configuration's `files:`, `tamper:` and `export:` blocks, uncommented, are the defaults.
    func testInstalledDefaultConfigUncommentsToTheDefaults() throws {
        var lines: [String] = []
        var inside = false
        for line in InstallPlanner.defaultConfig().split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# "), let first = line.dropFirst(2).first, first != " " {
                inside = line.hasPrefix("# files:") || line.hasPrefix("# tamper:") || line.hasPrefix("# export:")
            }
            if inside && line.hasPrefix("# ") { lines.append(String(line.dropFirst(2))) }
        }
        XCTAssertTrue(lines.contains { $0.hasPrefix("  maintenance:") })
        let config = try ConfigLoader.parse(lines.joined(separator: "\n"))
        XCTAssertEqual(config.files, FilesConfig())
        XCTAssertEqual(config.tamper, TamperConfig())
        XCTAssertTrue(lines.contains { $0.hasPrefix("export:") })
        XCTAssertEqual(config.export, ExportConfig())
    }
}
