// SPDX-License-Identifier: Apache-2.0
import CRigwatchABI

/// A change to a watched path (`struct rw_file_change`): an open for writing, a
/// rename, an unlink or a new link, reported when the syscall returned. The header
/// is the writer. Paths are as the writer's root and mount namespace see them.
public struct FileChangeEvent: Equatable, Sendable {
    /// `enum rw_file_op`.
    public enum Operation: Sendable, NamedCase {
        case openWrite, rename, unlink, link

        public var rawValue: UInt32 {
            switch self {
            case .openWrite: return RW_FILE_OPEN_WRITE.rawValue
            case .rename: return RW_FILE_RENAME.rawValue
            case .unlink: return RW_FILE_UNLINK.rawValue
            case .link: return RW_FILE_LINK.rawValue
            }
        }

        public init?(rawValue: UInt32) {
            switch rawValue {
            case RW_FILE_OPEN_WRITE.rawValue: self = .openWrite
            case RW_FILE_RENAME.rawValue: self = .rename
            case RW_FILE_UNLINK.rawValue: self = .unlink
            case RW_FILE_LINK.rawValue: self = .link
            default: return nil
            }
        }

        /// The name JSON output and traces use.
        public var name: String {
            switch self {
            case .openWrite: return "open_write"
            case .rename: return "rename"
            case .unlink: return "unlink"
            case .link: return "link"
            }
        }
    }

    public struct Flags: OptionSet, Equatable, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let pathTruncated = Flags(rawValue: RW_FILE_PATH_TRUNC)
        public static let path2Truncated = Flags(rawValue: RW_FILE_PATH2_TRUNC)
        /// Built from the syscall's path string (rename, unlink, link): symlinks in it
        /// were not resolved, unlike opens, whose path comes from the opened file.
        public static let fromString = Flags(rawValue: RW_FILE_FROM_STRING)
        /// The string had "." / ".." / "//" parts; the kernel left matching to userspace.
        public static let nonCanonical = Flags(rawValue: RW_FILE_NONCANONICAL)
        /// Every flag this ABI version defines; other bits make a record undecodable.
        public static let known: Flags = [.pathTruncated, .path2Truncated, .fromString, .nonCanonical]
    }

    public var header: EventHeader
    public var operation: Operation
    public var flags: Flags
    /// open(2) flags for `openWrite`, renameat2 flags for `rename`, else 0.
    public var openFlags: UInt32
    /// The syscall's return value: >= 0 done, < 0 a negated errno.
    public var result: Int32
    /// Mount namespace inode number of the writer.
    public var mountNamespace: UInt32
    /// The path's bytes as the kernel gave them (without the NUL). Kept as bytes, like
    /// an exec's filename, because a file name need not be UTF-8 and a trace must
    /// carry it unchanged.
    public var pathBytes: [UInt8]
    /// The new name for `rename` and `link`; empty otherwise.
    public var path2Bytes: [UInt8]

    public init(
        header: EventHeader, operation: Operation, flags: Flags = [], openFlags: UInt32 = 0,
        result: Int32 = 0, mountNamespace: UInt32 = 0, path: String, path2: String = ""
    ) {
        self.init(
            header: header, operation: operation, flags: flags, openFlags: openFlags, result: result,
            mountNamespace: mountNamespace, pathBytes: Array(path.utf8), path2Bytes: Array(path2.utf8))
    }

    public init(
        header: EventHeader, operation: Operation, flags: Flags = [], openFlags: UInt32 = 0,
        result: Int32 = 0, mountNamespace: UInt32 = 0, pathBytes: [UInt8], path2Bytes: [UInt8] = []
    ) {
        self.header = header
        self.operation = operation
        self.flags = flags
        self.openFlags = openFlags
        self.result = result
        self.mountNamespace = mountNamespace
        self.pathBytes = pathBytes
        self.path2Bytes = path2Bytes
    }

    /// The path as text (bytes that are not UTF-8 become U+FFFD).
    public var path: String {
        get { String(decoding: pathBytes, as: UTF8.self) }
        set { pathBytes = Array(newValue.utf8) }
    }

    /// The new name as text; empty unless `rename` or `link`.
    public var path2: String {
        get { String(decoding: path2Bytes, as: UTF8.self) }
        set { path2Bytes = Array(newValue.utf8) }
    }

    public var succeeded: Bool { result >= 0 }
}
