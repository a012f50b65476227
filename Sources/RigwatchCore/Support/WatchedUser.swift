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
}
