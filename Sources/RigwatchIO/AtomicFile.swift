// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Replace a file whole: write a temporary file beside it, fsync, rename over the
/// old one, fsync the directory. Readers see the old content or the new, never a part.
public enum AtomicFile {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func write(_ data: Data, to path: String, mode: mode_t = 0o644) throws {
        let dir = (path as NSString).deletingLastPathComponent
        let tmp = (dir.isEmpty ? "" : dir + "/") + ".\((path as NSString).lastPathComponent).tmp.\(getpid())"
        do {
            try FileWrite.replaceAtomically(
                path, with: [UInt8](data), temporary: tmp, createFlags: O_NOFOLLOW, mode: mode,
                syncDirectory: dir.isEmpty ? "." : dir)
        } catch {
            throw Failure(description: "\(error.path): \(error.reason)")
        }
    }
}
