// SPDX-License-Identifier: Apache-2.0
import CBPF
import Foundation

/// The sensor's kernel state kept in bpffs across restarts (Sources/CBPF/rw_sensor_pin.c):
/// what a start found there, and its removal (`rigwatch unpin`, `rigwatch uninstall`).
public enum BPFPins {
    /// Where `rigwatch run` keeps it.
    public static let defaultDirectory = "/sys/fs/bpf/rigwatch"

    /// Why `directory` cannot hold the pinned state, or nil. Only a directory of its
    /// own below bpffs's usual mount: removing the mount itself would take every
    /// other program's pins with it.
    public static func problem(with directory: String) -> String? {
        let parts = directory.split(separator: "/", omittingEmptySubsequences: true)
        guard directory.hasPrefix("/sys/fs/bpf/"), parts.count > 3, !parts.contains(".."), !parts.contains(".")
        else {
            return "the pin directory must be a directory of its own below /sys/fs/bpf (got \(directory))"
        }
        return nil
    }

    public enum Removal: Equatable, Sendable {
        /// Removed, with the number of pins (0: nothing was pinned there).
        case removed(Int)
        /// The sensor that pinned it still runs.
        case inUse(owner: UInt32)
        case failed(String)
    }

    /// Removes the directory and everything pinned in it; the programs detach as
    /// their links go. `force`: even while the sensor that pinned it runs (its own
    /// hold keeps its programs until it exits).
    public static func remove(_ directory: String, force: Bool = false) -> Removal {
        var owner: UInt32 = 0
        let rc = rw_pin_dir_remove(directory, force ? 1 : 0, &owner)
        if rc == -EBUSY { return .inUse(owner: owner) }
        if rc < 0 { return .failed(String(cString: strerror(-rc))) }
        return .removed(Int(rc))
    }
}

/// What `BPFSource` found in its pin directory and did with it.
public struct PinReport: Sendable {
    public enum Mode: Sendable {
        /// Nothing pinned: the programs end with the sensor.
        case off
        /// A new set, pinned at attach.
        case fresh
        /// The pinned set was this very program set: its maps and links taken over as they are.
        case adopted
        /// The pinned maps taken over; this start's programs replaced the pinned ones.
        case handedOver
    }

    public var mode: Mode = .off
    public var directory: String?
    /// Of the program set recording now.
    public var generation: UInt32 = 0
    /// Bytes the ring buffer held when taken over: recorded while no sensor read it.
    public var unreadBytes: UInt64 = 0
    public var reportedDrops: UInt64 = 0
    /// What was found and done: replacements and why, the handover.
    public var notes: [String] = []

    public init() {}

    init(_ report: rw_pin_report, directory: String?) {
        switch report.mode {
        case Int32(RW_PIN_FRESH.rawValue): mode = .fresh
        case Int32(RW_PIN_ADOPTED.rawValue): mode = .adopted
        case Int32(RW_PIN_HANDOVER.rawValue): mode = .handedOver
        default: mode = .off
        }
        self.directory = mode == .off ? nil : directory
        generation = report.generation
        unreadBytes = report.unread_bytes
        reportedDrops = report.reported_drops
        var note = report.note
        let text = withUnsafeBytes(of: &note) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        notes = text.split(separator: "\n").map(String.init)
    }

    /// One line for the log, nil when nothing is pinned.
    public var summary: String? {
        guard let directory else { return nil }
        switch mode {
        case .off:
            return nil
        case .fresh:
            return
                "BPF state pinned at \(directory) (generation \(generation)): the kernel goes on recording while the sensor is down"
        case .adopted:
            return
                "adopted the pinned BPF state at \(directory) (generation \(generation)): \(unreadBytes) bytes recorded while no sensor read them come first"
        case .handedOver:
            return
                "took over the pinned BPF state at \(directory) with new programs (generation \(generation)): \(unreadBytes) bytes recorded while no sensor read them come first"
        }
    }
}
