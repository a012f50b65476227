// SPDX-License-Identifier: Apache-2.0
/// Which hook each feature runs on for one kernel, and so which BPF programs load.
public struct FeaturePlan: Equatable, Sendable {
    /// A rung passed over, and why.
    public struct Skipped: Equatable, Sendable {
        public var rung: String
        public var reason: String
        /// The longer account (libbpf's message of a failed attach), when there is one.
        public var detail: String?

        public init(rung: String, reason: String, detail: String? = nil) {
            self.rung = rung
            self.reason = reason
            self.detail = detail
        }
    }

    /// A program of the chosen (partial) rung that is not loaded, and why.
    public struct LeftOut: Equatable, Sendable {
        public var program: String
        public var reason: String

        public init(program: String, reason: String) {
            self.program = program
            self.reason = reason
        }
    }

    public struct Choice: Equatable, Sendable {
        public var feature: String
        public var required: Bool
        /// The chosen rung's name; nil = off.
        public var rung: String?
        /// The chosen rung's hook ("fexit/inet_sendmsg").
        public var hook: String?
        /// The operator forced this rung (`--bpf-hook`).
        public var forced: Bool
        /// Better rungs passed over (or every rung, when off).
        public var skipped: [Skipped]
        /// Why the feature is off, when it is.
        public var offReason: String?
        /// Extra context for the chosen rung (the cgroup root).
        public var note: String?
        /// The programs this feature loads.
        public var programs: [String]
        public var leftOut: [LeftOut]

        public var active: Bool { rung != nil }

        /// One line: "net-bytes: fexit/inet_sendmsg (sock_send_length absent)",
        /// "file-watch: off: no bpf_loop helper (kernel < 5.17)".
        public var label: String { "\(feature): \(hookLabel)" }

        /// The label without the feature name.
        public var hookLabel: String {
            guard let hook else {
                if forced { return "off (forced)" }
                return "off" + (offReason.map { ": \($0)" } ?? "")
            }
            var notes: [String] = []
            if forced { notes.append("forced") }
            if let note { notes.append(note) }
            notes += skipped.map(\.reason)
            if !leftOut.isEmpty {
                notes.append(
                    "without " + leftOut.map(\.program).joined(separator: ", ") + ": "
                        + uniqueReasons(leftOut.map(\.reason)))
            }
            return hook + (notes.isEmpty ? "" : " (\(notes.joined(separator: "; ")))")
        }

        private func uniqueReasons(_ reasons: [String]) -> String {
            var seen: [String] = []
            for r in reasons where !seen.contains(r) { seen.append(r) }
            return seen.joined(separator: ", ")
        }
    }

    /// What stops the plan from loading.
    public struct Problem: Error, Equatable, Sendable, CustomStringConvertible {
        public enum Kind: String, Sendable {
            /// The kernel lacks something the sensor needs: `--source auto` uses audit instead.
            case kernel
            /// The operator's `--bpf-hook` cannot be honoured (unknown name, a required
            /// feature off, a rung this kernel lacks): fix the command line.
            case hook
        }
        public var kind: Kind
        public var message: String
        public var description: String { message }

        public init(_ kind: Kind, _ message: String) {
            self.kind = kind
            self.message = message
        }
    }

    public var features: [Choice]
    /// Every program to load, in table order.
    public var programs: [String]
    /// Programs of the object that no rung of the table names (never loaded).
    public var unplanned: [String]
    public var problems: [Problem]

    public var canLoad: Bool { problems.isEmpty }

    public func choice(_ feature: String) -> Choice? { features.first { $0.feature == feature } }

    /// The problems as one message, hook problems first.
    public var problemSummary: String {
        problems.sorted { ($0.kind == .hook ? 0 : 1) < ($1.kind == .hook ? 0 : 1) }.map(\.message).joined(
            separator: "; ")
    }
}
