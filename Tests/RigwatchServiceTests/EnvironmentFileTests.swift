// SPDX-License-Identifier: Apache-2.0
import RigwatchService
import XCTest

/// /etc/rigwatch/rigwatch.env read as systemd's EnvironmentFile= reads it.
final class EnvironmentFileTests: XCTestCase {
    func testValuesCommentsQuotesAndExport() {
        let parsed = EnvironmentFile.parse(
            """
            # the webhook
            ; also a comment

            RIGWATCH_DISCORD_WEBHOOK="https://discord.com/api/webhooks/1/abc"
            export OTHER = 'spaced value'
            PLAIN=a=b
            EMPTY=
            """)
        XCTAssertEqual(
            parsed.values,
            [
                "RIGWATCH_DISCORD_WEBHOOK": "https://discord.com/api/webhooks/1/abc", "OTHER": "spaced value",
                "PLAIN": "a=b", "EMPTY": "",
            ])
        XCTAssertEqual(parsed.problems, [])
    }

    func testMalformedLinesAreReportedNotGuessed() {
        let parsed = EnvironmentFile.parse("no equals here\n9BAD=x\nOPEN=\"unclosed\nGOOD=1\n")
        XCTAssertEqual(parsed.values, ["GOOD": "1"])
        XCTAssertEqual(
            parsed.problems,
            ["line 1: no '=' in it", "line 2: \"9BAD\" is not a variable name", "line 3: unclosed \" quote"])
    }
}
