// SPDX-License-Identifier: Apache-2.0
import CBPFTestSupport
import Foundation
import RigwatchCore
import RigwatchTestSupport
import XCTest

/// The file-watch path matchers of bpf/lib/path_match.h, run in the kernel through
/// BPF_PROG_TEST_RUN (Tests/Fixtures/bpf/path_match_test.bpf.c): the code the sensor
/// runs, judged against the userspace matcher on the same inputs.
final class PathMatchKernelTests: XCTestCase {
    override func setUpWithError() throws { try requireRoot() }

    private let watched = ["/etc/cron.d", "/root/.ssh", "/usr/local/bin"]

    private func runInKernel(_ paths: [String]) throws -> [(watched: Bool, noncanonical: Bool)] {
        let objectPath = Repo.root + "/build/bpf/path_match_test.bpf.o"
        let object = try XCTUnwrap(
            FileManager.default.contents(atPath: objectPath), "missing \(objectPath): run make bpf")
        var watchedOut = [Int32](repeating: -1, count: paths.count)
        var noncanonicalOut = [Int32](repeating: -1, count: paths.count)
        var err = [CChar](repeating: 0, count: 1024)
        let watchedC = watched.map { strdup($0) }
        let pathsC = paths.map { strdup($0) }
        defer { for string in watchedC + pathsC { free(string) } }
        let rc = object.withUnsafeBytes { raw in
            watchedC.map { UnsafePointer($0) }.withUnsafeBufferPointer { w in
                pathsC.map { UnsafePointer($0) }.withUnsafeBufferPointer { p in
                    rw_test_path_match(
                        raw.baseAddress, raw.count, w.baseAddress, w.count, p.baseAddress, p.count,
                        &watchedOut, &noncanonicalOut, &err, err.count)
                }
            }
        }
        guard rc == 0 else { throw SetupError(String(nulTerminated: err)) }
        return zip(watchedOut, noncanonicalOut).map { ($0 == 1, $1 == 1) }
    }

    func testPrefixesMatchEqualOrBelowAndNothingElse() throws {
        let cases: [(String, Bool)] = [
            ("/etc/cron.d", true), ("/etc/cron.d/job", true), ("/etc/cron.d/a/b/c", true),
            ("/root/.ssh/authorized_keys", true), ("/usr/local/bin/x", true),
            ("/etc/cron.dx", false), ("/etc/cron.d.bak/job", false), ("/etc/cron", false), ("/etc", false),
            ("/", false), ("/root/.sshx", false), ("/tmp/etc/cron.d", false), ("/usr/local", false),
        ]
        let got = try runInKernel(cases.map(\.0))
        for ((path, expected), verdict) in zip(cases, got) {
            XCTAssertEqual(verdict.watched, expected, path)
            // The userspace matcher agrees on every input.
            XCTAssertEqual(watched.contains { WatchedPath.covers($0, path) }, expected, "userspace: \(path)")
        }
    }

    func testNonCanonicalPartsAreFlagged() throws {
        let cases: [(String, Bool)] = [
            ("/etc/./cron.d/x", true), ("/etc/../etc/cron.d", true), ("/etc//cron.d", true),
            ("/etc/cron.d/..", true), ("/etc/cron.d/.", true), ("/./etc", true),
            ("/etc/cron.d/", false), ("/etc/...hidden", false), ("/etc/.bashrc", false),
            ("/etc/..x/y", false), ("/etc/cron.d/job", false),
        ]
        let got = try runInKernel(cases.map(\.0))
        for ((path, expected), verdict) in zip(cases, got) {
            XCTAssertEqual(verdict.noncanonical, expected, path)
            // Userspace normalises exactly the paths the kernel flags (a trailing slash aside).
            let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
            XCTAssertEqual(WatchedPath.normalise(trimmed) != trimmed, expected, "userspace: \(path)")
        }
    }
}
