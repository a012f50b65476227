// SPDX-License-Identifier: Apache-2.0
/// A user whose process lineage the sensor watches: the sudoers import reads its
/// rules by name, a trace header records who was watched while recording.
public struct WatchedUser: Equatable, Sendable {
    public var uid: UInt32
    public var name: String

    public init(uid: UInt32, name: String) {
        self.uid = uid
        self.name = name
    }

    /// The same, arguments in the order the policy code has always passed them.
    public init(name: String, uid: UInt32) {
        self.init(uid: uid, name: name)
    }
}
