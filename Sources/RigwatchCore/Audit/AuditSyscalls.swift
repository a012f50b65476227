// SPDX-License-Identifier: Apache-2.0
/// What an audited syscall means to rigwatch, by audit arch (AUDIT_ARCH_*) and number.
public enum AuditSyscall: Equatable, Sendable {
    case exec
    /// A set*id call; `narrow` for the legacy 16-bit i386 calls, where -1 is 0xffff.
    case cred(CredSyscall, narrow: Bool)
    /// fork/vfork/clone/clone3: the exit value is the child's pid. `flagsInA0` for
    /// clone, whose first argument holds CLONE_THREAD; clone3 hides flags behind a pointer.
    case fork(flagsInA0: Bool, alwaysProcess: Bool)

    public static let archAmd64: UInt64 = 0xc000_003e
    public static let archI386: UInt64 = 0x4000_0003
    public static let archAarch64: UInt64 = 0xc000_00b7

    public static func lookup(arch: UInt64, number: UInt64) -> AuditSyscall? {
        switch arch {
        case archAmd64: return amd64[number]
        case archI386: return i386[number]
        case archAarch64: return aarch64[number]
        default: return nil
        }
    }

    private static let amd64: [UInt64: AuditSyscall] = [
        59: .exec, 322: .exec,
        105: .cred(.setuid, narrow: false), 106: .cred(.setgid, narrow: false),
        113: .cred(.setreuid, narrow: false), 114: .cred(.setregid, narrow: false),
        117: .cred(.setresuid, narrow: false), 119: .cred(.setresgid, narrow: false),
        122: .cred(.setfsuid, narrow: false), 123: .cred(.setfsgid, narrow: false),
        56: .fork(flagsInA0: true, alwaysProcess: false), 57: .fork(flagsInA0: false, alwaysProcess: true),
        58: .fork(flagsInA0: false, alwaysProcess: true), 435: .fork(flagsInA0: false, alwaysProcess: false),
    ]

    private static let i386: [UInt64: AuditSyscall] = [
        11: .exec, 358: .exec,
        23: .cred(.setuid, narrow: true), 213: .cred(.setuid, narrow: false),
        46: .cred(.setgid, narrow: true), 214: .cred(.setgid, narrow: false),
        70: .cred(.setreuid, narrow: true), 203: .cred(.setreuid, narrow: false),
        71: .cred(.setregid, narrow: true), 204: .cred(.setregid, narrow: false),
        164: .cred(.setresuid, narrow: true), 208: .cred(.setresuid, narrow: false),
        170: .cred(.setresgid, narrow: true), 210: .cred(.setresgid, narrow: false),
        138: .cred(.setfsuid, narrow: true), 215: .cred(.setfsuid, narrow: false),
        139: .cred(.setfsgid, narrow: true), 216: .cred(.setfsgid, narrow: false),
        120: .fork(flagsInA0: true, alwaysProcess: false), 2: .fork(flagsInA0: false, alwaysProcess: true),
        190: .fork(flagsInA0: false, alwaysProcess: true), 435: .fork(flagsInA0: false, alwaysProcess: false),
    ]

    private static let aarch64: [UInt64: AuditSyscall] = [
        221: .exec, 281: .exec,
        146: .cred(.setuid, narrow: false), 144: .cred(.setgid, narrow: false),
        145: .cred(.setreuid, narrow: false), 143: .cred(.setregid, narrow: false),
        147: .cred(.setresuid, narrow: false), 149: .cred(.setresgid, narrow: false),
        151: .cred(.setfsuid, narrow: false), 152: .cred(.setfsgid, narrow: false),
        220: .fork(flagsInA0: true, alwaysProcess: false), 435: .fork(flagsInA0: false, alwaysProcess: false),
    ]
}
