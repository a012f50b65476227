// SPDX-License-Identifier: Apache-2.0
/// A configuration file as a posture check reads it: where it was and what it says.
public struct PostureFile: Equatable, Sendable {
    public var path: String
    public var text: String
    public init(path: String, text: String) {
        self.path = path
        self.text = text
    }
}
