// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Where the tests find the repository, its fixtures and the built binary.
public enum Repo {
    /// The package root, found from this source file's location (Tests/RigwatchTestSupport/).
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// `Tests/Fixtures/NAME`: recorded traces, audit records, data, helpers, stand-ins.
    public static func fixture(_ name: String) -> String { root + "/Tests/Fixtures/" + name }

    /// The binary under test: `$RIGWATCH_BIN`, or the debug build.
    public static var rigwatchBinary: String {
        if let path = ProcessInfo.processInfo.environment["RIGWATCH_BIN"] { return path }
        return root + "/.build/debug/rigwatch"
    }
}
