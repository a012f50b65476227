// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import RigwatchSources

/// `rigwatch unpin`: ends the kernel state `rigwatch run` keeps pinned in bpffs
/// between runs, so nothing records any more (run it once the sensor is stopped;
/// `rigwatch uninstall` does it too).
struct UnpinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpin",
        abstract: "Remove the BPF state rigwatch keeps pinned in bpffs between runs (detaching its programs).",
        discussion:
            "A stopped or killed sensor leaves its BPF programs recording, pinned at \(BPFPins.defaultDirectory), for the next start to read. This ends that. It refuses while the sensor that pinned them runs (stop it first: systemctl stop rigwatch)."
    )

    @Flag(help: "Remove it even while the sensor that pinned it runs (its programs then end with it).")
    var force = false

    @Option(name: .customLong("pin-dir"), help: .hidden)
    var pinDir: String = ProcessInfo.processInfo.environment["RIGWATCH_PIN_DIR"] ?? BPFPins.defaultDirectory

    func validate() throws {
        if let problem = BPFPins.problem(with: pinDir) { throw ValidationError(problem) }
    }

    func run() throws {
        do { try Preflight.requireRoot() } catch {
            Log.error(error.description)
            throw ExitCode(2)
        }
        switch BPFPins.remove(pinDir, force: force) {
        case .removed(0):
            print("nothing pinned at \(pinDir)")
        case .removed(let count):
            print("removed \(pinDir) (\(count) pins): the sensor's BPF programs are detached")
        case .inUse(let owner):
            Log.error(
                "the BPF state at \(pinDir) is in use by the running sensor pid \(owner): stop it first (systemctl stop rigwatch), or use --force"
            )
            throw ExitCode(1)
        case .failed(let reason):
            Log.error("removing \(pinDir): \(reason)")
            throw ExitCode(1)
        }
    }
}
