// SPDX-License-Identifier: Apache-2.0
import RigwatchCore
import RigwatchTestSupport
import XCTest

/// The kernel's glob NFA, compiled and run in Swift, against FNMatch on generated
/// patterns and subjects, both with and without FNM_PATHNAME. (The kernel's own run
/// of the same tables is PolicyMatchKernelTests.)
final class KernelGlobTests: XCTestCase {
    func testTheNFAMatchesExactlyWhatFNMatchMatches() throws {
        var rng = SplitMix64(seed: 0x6c0b)
        let pieces = [
            "a", "b", "/", " ", "*", "?", "[ab]", "[!a]", "[a-c]", "\\*", "\\", "[", "]", "[[:digit:]]", "**",
        ]
        let letters: [UInt8] = Array("ab/ *[]1c-\\".utf8)
        var matched = 0
        for _ in 0..<4000 {
            let pattern = Array((0..<rng.index(6)).map { _ in pieces[rng.index(pieces.count)] }.joined().utf8)
            let subject = (0..<rng.index(8)).map { _ in letters[rng.index(letters.count)] }
            for pathname in [false, true] {
                let glob = try XCTUnwrap(KernelGlob.compile(pattern, pathname: pathname))
                let expected = pattern.withUnsafeBufferPointer { p in
                    subject.withUnsafeBufferPointer { FNMatch.matches(pattern: p, subject: $0, pathname: pathname) }
                }
                if expected { matched += 1 }
                XCTAssertEqual(
                    KernelGlob.matches(glob, subject, nulAsSpace: false), expected,
                    "\(String(decoding: pattern, as: UTF8.self)) ~ \(String(decoding: subject, as: UTF8.self)) pathname \(pathname)"
                )
            }
        }
        XCTAssertGreaterThan(matched, 400)
    }

    func testNulIsReadAsASpaceAndLimitsHold() throws {
        let glob = try XCTUnwrap(KernelGlob.compile(Array("a *".utf8), pathname: false))
        XCTAssertTrue(KernelGlob.matches(glob, [0x61, 0, 0x62], nulAsSpace: true))
        XCTAssertFalse(KernelGlob.matches(glob, [0x61, 0, 0x62], nulAsSpace: false))
        XCTAssertNotNil(KernelGlob.compile(Array(repeating: 0x61, count: KernelGlob.maxAtoms), pathname: false))
        XCTAssertNil(KernelGlob.compile(Array(repeating: 0x61, count: KernelGlob.maxAtoms + 1), pathname: false))
        // 64 distinct literal bytes need 65 classes (the rest of the bytes are one more).
        XCTAssertNil(
            KernelGlob.compile(
                Array(UInt8(0x21)...UInt8(0x21 + 63)).filter { ![0x2a, 0x3f, 0x5b, 0x5c].contains($0) } + [
                    0x61, 0x62, 0x63, 0x64,
                ], pathname: false))
    }
}

/// `KernelPolicy.owner(of:in:half:)`, which names a kernel rule index for alerts
/// without compiling, agrees with the owners the compiled half records, including
/// past a user whose rules do not fit.
final class KernelPolicyOwnerTests: XCTestCase {
    func testOwnerLookupMatchesTheCompiledHalf() throws {
        let small = try (0..<3).map { try CommandSpec.parse("/usr/bin/t\($0)", origin: "t") }
        let huge = try (0..<(KernelPolicy.rulesPerHalf - 6)).map {
            try CommandSpec.parse("/usr/bin/h\($0)", origin: "h")
        }
        // No child profiles or path classes: their rule sets, placed after the users', take no room.
        let none = RootChildClasses(writablePrefixes: [], systemPrefixes: [], shells: [], interpreters: [])
        let policies = PolicySet(
            name: "t", rulesByUid: [1000: small, 1001: huge, 1002: small, 1003: small], canon: .identity,
            childProfiles: ChildProfileSet(profiles: [], classes: none, canon: .identity))
        for half: UInt32 in [0, 1] {
            let compiled = KernelPolicy(policies: policies, half: half)
            XCTAssertEqual(compiled.undecidable, ["uid 1003: 3 rules: more than the kernel's table holds"])
            XCTAssertEqual(compiled.owners.count, KernelPolicy.rulesPerHalf)
            for (index, owner) in compiled.owners {
                let found = try XCTUnwrap(KernelPolicy.owner(of: index, in: policies, half: half))
                XCTAssertEqual(found.uid, owner.uid)
                XCTAssertEqual(found.rule, owner.rule)
            }
            XCTAssertNil(
                KernelPolicy.owner(of: UInt32(Int(half + 1) * KernelPolicy.rulesPerHalf), in: policies, half: half))
        }
    }
}

/// The child profiles and path classes as the kernel's rule sets: one set per role
/// after the users', the profiles' commands and allow lists as whitelist rules, the
/// class prefixes as globs that cross '/', and the names matched after a '/'.
final class KernelPolicyRoleTests: XCTestCase {
    func testDefaultProfilesAndClassesBecomeRuleSets() throws {
        let policies = PolicySet.defaultPolicy(watched: [WatchedUser(uid: 1001, name: "u")], canon: .mergedUsr)
        let compiled = KernelPolicy(policies: policies, half: 1)
        XCTAssertEqual(compiled.undecidable, [])
        let profiles = policies.childProfiles.profiles.count
        let roles = compiled.sets.map { "\($0.user.role):\($0.user.uid)" }
        XCTAssertEqual(
            roles,
            ["0:1001", "1:0"] + (0..<profiles).map { "2:\($0)" } + (0..<profiles).map { "3:\($0)" } + ["4:0", "5:0"])
        XCTAssertTrue(compiled.sets.allSatisfy { $0.user.half == 1 && $0.set.overflow == 0 })
        // Only the users' rules have owners (alerts name them); the roles' do not.
        XCTAssertEqual(compiled.owners.count, policies.policy(for: 1001).rules.count)
        let classes = policies.childProfiles.classes
        let pathClass = try XCTUnwrap(compiled.sets.first { $0.user.role == 4 }).set
        XCTAssertEqual(Int(pathClass.glob_count), classes.systemPrefixes.count + classes.writablePrefixes.count)
        // "/tmp/" is a prefix at any depth: its NFA crosses '/'.
        let tmp = try XCTUnwrap(KernelGlob.compile(Array("/tmp/*".utf8), pathname: false))
        XCTAssertTrue(KernelGlob.matches(tmp, Array("/tmp/a/b/sh".utf8), nulAsSpace: false))
        XCTAssertTrue(
            compiled.globs.contains { g in
                var a = g.glob
                var b = tmp
                return withUnsafeBytes(of: &a) { x in withUnsafeBytes(of: &b) { Array(x) == Array($0) } }
            })
        // A name that is a pattern is a glob after '/'; a plain name an exact path.
        let names = compiled.paths.filter { $0.key.set == (1 << 16 | UInt32(compiled.sets.count - 1)) }.map { p in
            var key = p.key
            return withUnsafeBytes(of: &key.path) { String(decoding: $0.prefix(Int(p.key.len)), as: UTF8.self) }
        }
        XCTAssertTrue(names.contains("/sh") && names.contains("/bash") && names.contains("/awk"), "\(names)")
        XCTAssertFalse(names.contains { $0.contains("*") })
    }

    func testMoreProfilesThanTheKernelHoldsAreNamedAndLeftUndecided() throws {
        let spec = try CommandSpec.parse("/usr/bin/true", origin: "t")
        let many = (0..<(KernelPolicy.profilesMax + 1)).map {
            ChildProfile(command: spec, allow: [spec], origin: "t:\($0)")
        }
        let policies = PolicySet(
            name: "t", rulesByUid: [1: [spec]], canon: .identity,
            childProfiles: ChildProfileSet(profiles: many, canon: .identity))
        let compiled = KernelPolicy(policies: policies, half: 0)
        XCTAssertEqual(compiled.undecidable, ["child profiles: 33 profiles: more than 32"])
        XCTAssertEqual(compiled.sets.first { $0.user.role == 1 }?.set.overflow, 1)
    }
}
