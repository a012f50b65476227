// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchSources
import RigwatchTestSupport
import XCTest

/// Integration tests need root and this kernel. Outside CI they skip when not
/// root; in CI (CI=true) that is a failure, never a skip.
func requireRoot(file: StaticString = #filePath, line: UInt = #line) throws {
    if geteuid() == 0 {
        TestPins.install()
        return
    }
    if ProcessInfo.processInfo.environment["CI"] == "true" {
        XCTFail("kernel integration tests must run as root in CI", file: file, line: line)
        throw XCTSkip("failed: not root")
    }
    throw XCTSkip("kernel integration tests need root")
}

/// Every `rigwatch run` a test starts keeps its kernel state in this test process's
/// own pin directory ($RIGWATCH_PIN_DIR, inherited), never a real install's
/// /sys/fs/bpf/rigwatch; it is removed after each test, however the test ended, and
/// those of test processes that died are removed at the next start.
enum TestPins {
    static let prefix = "rwtest-pins-"
    static let directory = "/sys/fs/bpf/\(prefix)\(getpid())"
    nonisolated(unsafe) private static var installed = false

    static func install() {
        guard !installed else { return }
        installed = true
        setenv("RIGWATCH_PIN_DIR", directory, 1)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/bpf")) ?? []
        where name.hasPrefix(prefix) {
            if let pid = Int32(name.dropFirst(prefix.count)), kill(pid, 0) != 0 {
                _ = BPFPins.remove("/sys/fs/bpf/\(name)", force: true)
            }
        }
        XCTestObservationCenter.shared.addTestObserver(Cleanup())
    }

    private final class Cleanup: NSObject, XCTestObservation {
        func testCaseDidFinish(_ testCase: XCTestCase) { _ = BPFPins.remove(TestPins.directory, force: true) }
    }
}

/// A pin directory for one test's `--pin-dir`, removed when the test ends.
func testPinDirectory(_ test: XCTestCase) -> String {
    let dir = "/sys/fs/bpf/rwtest-pin-\(UUID().uuidString.prefix(8))"
    test.addTeardownBlock { _ = BPFPins.remove(dir, force: true) }
    return dir
}

/// Waits for the kernel scale with RW_TEST_TIME_SCALE (default 1): the kernel-matrix VM
/// (Tests/vm) runs these tests under TCG emulation, 10–30× slower, and sets it.
enum TestTime {
    static let scale: Double = {
        guard let text = ProcessInfo.processInfo.environment["RW_TEST_TIME_SCALE"],
            let value = Double(text), value > 0
        else { return 1 }
        return value
    }()

    static func scaled(_ seconds: TimeInterval) -> TimeInterval { seconds * scale }
}

/// Polls `condition` every 100 ms until it holds or `timeout` seconds (scaled) pass.
func waitUntil(timeout: TimeInterval, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(TestTime.scaled(timeout))
    while Date() < deadline {
        if try condition() { return true }
        usleep(100_000)
    }
    return try condition()
}

struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a program to completion and captures its output.
@discardableResult
func runCommand(_ path: String, _ args: [String], input: String? = nil) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = args
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Read before waiting, so a full pipe cannot block the child forever.
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus,
        stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs a shell command line as root, failing the test when it fails.
@discardableResult
func sh(_ command: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let r = try runCommand("/bin/sh", ["-c", command])
    if r.status != 0 {
        XCTFail("`\(command)` exited \(r.status): \(r.stderr)", file: file, line: line)
    }
    return r.stdout
}

/// A real user created for one test (name rwtest…), removed afterwards, even on failure.
struct TestUser {
    let name: String
    let uid: UInt32
    let gid: UInt32

    static func create(_ test: XCTestCase, suffix: String) throws -> TestUser {
        let name = "rwtest\(suffix)"
        _ = try? runCommand("/usr/sbin/userdel", ["-r", name])  // left over from a killed run
        let r = try runCommand(
            "/usr/sbin/useradd", ["--system", "--no-create-home", "--user-group", "-s", "/bin/sh", name])
        guard r.status == 0, let uid = Users.uid(of: name), let pw = getpwnam(name) else {
            throw SetupError("useradd \(name) failed: \(r.stderr)")
        }
        let gid = pw.pointee.pw_gid
        test.addTeardownBlock {
            _ = try? runCommand("/usr/sbin/userdel", [name])
        }
        return TestUser(name: name, uid: uid, gid: gid)
    }

    /// argv that runs `command` as this user (real and effective ids), via setpriv.
    func asUser(_ command: [String]) -> [String] {
        ["--reuid=\(uid)", "--regid=\(gid)", "--init-groups", "--"] + command
    }
}

/// A sudoers.d drop-in owned by one test, removed afterwards.
func installSudoers(_ test: XCTestCase, name: String, content: String) throws {
    let path = "/etc/sudoers.d/\(name)"
    try content.write(toFile: path, atomically: true, encoding: .utf8)
    chmod(path, 0o440)
    test.addTeardownBlock { unlink(path) }
    let check = try runCommand("/usr/sbin/visudo", ["-c", "-f", path])
    XCTAssertEqual(check.status, 0, "visudo rejected \(path): \(check.stdout)\(check.stderr)")
}

/// The live sensor in the test process: loads the real BPF program and collects
/// decoded events as they are polled.
final class SensorHarness {
    let source: BPFSource
    private(set) var events: [Event] = []
    private(set) var malformed: [String] = []

    init(watching uids: [UInt32], ringBufferBytes: UInt32 = 8 << 20) throws {
        var options = BPFSource.Options()
        options.watchedUids = uids
        options.ringBufferBytes = ringBufferBytes
        _ = try Preflight().run()
        source = try BPFSource(options: options)
        // weak: the source may still deliver while this harness is being released.
        try source.start { [weak self] raw in
            guard let self else { return }
            do {
                self.events.append(try EventDecoder.decode(raw))
            } catch {
                self.malformed.append(String(describing: error))
            }
        }
    }

    deinit { source.close() }

    /// Polls until `match` finds an event or the timeout passes.
    func waitFor<T>(timeout: TimeInterval = 5, _ match: (Event) -> T?) throws -> T? {
        let deadline = Date().addingTimeInterval(TestTime.scaled(timeout))
        repeat {
            try source.poll(timeoutMs: 50)
            for event in events { if let found = match(event) { return found } }
        } while Date() < deadline
        return nil
    }

    /// Polls whatever is queued right now.
    func drain() throws {
        while try source.poll(timeoutMs: 100) > 0 {}
    }
}

extension Event {
    var exec: ExecEvent? {
        if case .exec(let e) = self { return e }
        return nil
    }
    var cred: CredEvent? {
        if case .cred(let e) = self { return e }
        return nil
    }
    var fork: ForkEvent? {
        if case .fork(let e) = self { return e }
        return nil
    }
    var exit: ExitEvent? {
        if case .exit(let e) = self { return e }
        return nil
    }
}

/// Compiles a C helper from Tests/Fixtures/helpers into a temporary directory.
func buildHelper(_ name: String) throws -> String {
    let dir = NSTemporaryDirectory() + "rwtest-helpers"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    chmod(dir, 0o755)
    let out = "\(dir)/\(name)"
    let r = try runCommand("/usr/bin/cc", ["-O2", "-o", out, "\(Repo.root)/Tests/Fixtures/helpers/\(name).c"])
    guard r.status == 0 else { throw SetupError("cannot build helper \(name): \(r.stderr)") }
    return out
}

/// A test could not set up what it needs: an error, never a skip.
struct SetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A configuration of the test's own: its alert log, spool, state, metrics and lock
/// files in a temporary directory, so no test writes to /var/log/rigwatch,
/// /var/lib/rigwatch or node_exporter's directory, and no test's sensor contends for
/// the instance lock with an installed rigwatch or another test run.
func scratchConfig(_ test: XCTestCase, body: String = "") throws -> String {
    let dir = NSTemporaryDirectory() + "rwtest-config-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    // The posture checks stay off unless a test turns them on: what this host reports varies.
    let lock =
        "  lock_file: \(dir)/rigwatch.lock\n"
        + (body.contains("posture_check_hours") ? "" : "  posture_check_hours: 0\n")
    var text = body
    // a test that sets its own service keys keeps them
    if body.contains("service:\n") && !body.contains("lock_file:") {
        text = text.replacingOccurrences(of: "service:\n", with: "service:\n" + lock)
    }
    text += "\nalerts:\n  log_file: \(dir)/alerts.jsonl\n  spool_dir: \(dir)/spool\n"
    if !body.contains("service:") {
        text += "service:\n  state_file: \(dir)/state.json\n  metrics_file: \(dir)/rigwatch.prom\n" + lock
    }
    try text.write(toFile: dir + "/rigwatch.yaml", atomically: true, encoding: .utf8)
    return dir + "/rigwatch.yaml"
}

extension XCTestCase {
    /// A 0755 directory of the test's own (rwtest-NAME-…), removed when the test ends.
    func tempDir(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "rwtest-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(
            atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }
}

/// `rigwatch run …` as a child process, the way the CLI-level tests drive it:
/// started and waited for until its programs are attached; stdout is read on a
/// thread of its own so the sensor never blocks on a full pipe; stopped by a signal.
final class SensorProcess {
    /// Arguments that keep the GPU sampler off (no NVML, no nvidia-smi), for tests about other things.
    static let noGPU = [
        "--nvml-library", "/nonexistent/rwtest-libnvidia-ml.so.1", "--nvidia-smi", "/nonexistent/rwtest-nvidia-smi",
    ]

    /// This process's environment without a webhook or a notify socket of its own, for a
    /// sensor that must neither post to a real Discord nor talk to a systemd.
    static var quietEnvironment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["RIGWATCH_DISCORD_WEBHOOK"] = nil
        env["NOTIFY_SOCKET"] = nil
        return env
    }

    let process = Process()
    private let err = Pipe()
    private let out = Pipe()
    // written by the reader, read after it ends
    private final class Collected: @unchecked Sendable { var data = Data() }
    private let collected = Collected()
    private var reader: Thread?
    private(set) var stderrText = ""

    /// `environment`: the child's whole environment (default: this process's).
    init(
        _ arguments: [String], environment: [String: String]? = nil, waitFor marker: String = "sensor attached",
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        process.executableURL = URL(fileURLWithPath: Repo.rigwatchBinary)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let collected = self.collected
        let handle = out.fileHandleForReading
        let reader = Thread { collected.data = handle.readDataToEndOfFile() }
        reader.start()
        self.reader = reader
        try waitForStderr(marker, timeout: 20)
    }

    /// Reads stderr until `marker` appears (or the sensor exits, or the time is up).
    func waitForStderr(_ marker: String, timeout: TimeInterval = 10) throws {
        let deadline = Date().addingTimeInterval(TestTime.scaled(timeout))
        while !stderrText.contains(marker), process.isRunning, Date() < deadline {
            stderrText += String(decoding: err.fileHandleForReading.availableData, as: UTF8.self)
        }
        guard stderrText.contains(marker) else { throw SetupError("sensor never said '\(marker)': \(stderrText)") }
    }

    func signal(_ signo: Int32) { kill(process.processIdentifier, signo) }

    /// A test that throws before `stop` must not leave its sensor running (and attached).
    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Stops it with `signo`, waits, and returns stdout; stderrText then holds everything.
    @discardableResult
    func stop(_ signo: Int32 = SIGTERM) -> String {
        signal(signo)
        process.waitUntilExit()
        stderrText += String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        while !(reader?.isFinished ?? true) { usleep(10_000) }
        return String(decoding: collected.data, as: UTF8.self)
    }

    var status: Int32 { process.terminationStatus }
}
