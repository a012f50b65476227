// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Resolves user names to uids through the system's passwd database.
public enum Users {
    public static func uid(of name: String) -> UInt32? {
        if let numeric = UInt32(name) { return numeric }
        guard let pw = getpwnam(name) else { return nil }
        return pw.pointee.pw_uid
    }

    public static func name(of uid: UInt32) -> String? {
        guard let pw = getpwuid(uid) else { return nil }
        return String(cString: pw.pointee.pw_name)
    }
}
