// SPDX-License-Identifier: Apache-2.0
import XCTest

@testable import RigwatchCore

/// The byte-level fast paths give the answers of the Character-level String calls they stand in for.
final class TextSearchTests: XCTestCase {
    /// The answers of the standard library's `contains` (Core has no Foundation, whose
    /// `contains` differs: it finds "\r" in "\r\n" and never finds "").
    func testContainsTextAnswersAsTheStandardLibrary() {
        let cases: [(String, String, Bool)] = [
            ("rigwatch.service", "rigwatch", true), ("vastai", "rigwatch", false), ("rig", "rigwatch", false),
            ("", "x", false), ("x", "", true), ("a\r\nb", "\r", false), ("a\r\nb", "\n", false),
            ("a\r\nb", "a", true), ("café", "cafe", false), ("cafe\u{301}", "cafe", false),
            ("\u{2126}rigwatch", "rigwatch", true), ("xxrigwatcx rigwatch", "rigwatch", true),
        ]
        for (haystack, needle, expected) in cases {
            XCTAssertEqual(haystack.containsText(needle), expected, "\(haystack) / \(needle)")
        }
    }

    func testLastPathComponentAgreesWithCharacters() {
        XCTAssertEqual(lastPathComponent("/usr/bin/docker"), "docker")
        XCTAssertEqual(lastPathComponent("docker"), "docker")
        XCTAssertEqual(lastPathComponent("/usr/bin/"), "")
        XCTAssertEqual(lastPathComponent("/opt/ünï/tool"), "tool")
        // A combining mark after the slash makes "/\u{301}" one Character that is no "/".
        XCTAssertEqual(lastPathComponent("/a/\u{301}b"), "a/\u{301}b")
    }
}
