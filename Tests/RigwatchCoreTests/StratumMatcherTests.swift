// SPDX-License-Identifier: Apache-2.0
import RigwatchCore
import XCTest

/// The stratum matcher on the first bytes of a connection: the dialects miners speak,
/// whitespace and key order, cut prefixes, and what must never match.
final class StratumMatcherTests: XCTestCase {
    private func match(_ text: String) -> StratumMatch? { StratumMatcher.match(Array(text.utf8)) }

    static let wallet =
        "4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge"

    func testXmrigLogin() {
        let line =
            #"{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"\#(Self.wallet)","pass":"x","#
            + #""agent":"XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0","algo":["rx/0"]}}"# + "\n"
        XCTAssertEqual(
            match(line),
            StratumMatch(
                method: "login", agent: "XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0", login: Self.wallet))
    }

    func testStratumV1Methods() {
        XCTAssertEqual(
            match(#"{"id": 1, "method": "mining.subscribe", "params": ["cgminer/4.10.0"]}"# + "\n"),
            StratumMatch(method: "mining.subscribe", agent: "cgminer/4.10.0"))
        XCTAssertEqual(
            match(#"{"params": ["bc1qwallet.rig1", "x"], "id": 2, "method": "mining.authorize"}"#),
            StratumMatch(method: "mining.authorize", login: "bc1qwallet.rig1"))
        XCTAssertEqual(
            match(#"{"id":3,"method":"mining.extranonce.subscribe","params":[]}"#),
            StratumMatch(method: "mining.extranonce.subscribe"))
        XCTAssertEqual(
            match(#"{"id":1,"method":"mining.configure","params":[["version-rolling"],{}]}"#),
            StratumMatch(method: "mining.configure"))
        XCTAssertEqual(
            match(#"{"id":1,"method":"eth_submitLogin","params":["0xabc.worker","x"],"worker":"w"}"#),
            StratumMatch(method: "eth_submitLogin", login: "0xabc.worker"))
        XCTAssertEqual(
            match(#"{"id":1,"method":"mining.subscribe","params":[]}"#), StratumMatch(method: "mining.subscribe"))
    }

    /// Key order, whitespace, newlines and escapes do not matter.
    func testWhitespaceAndKeyOrder() {
        let spaced =
            "\r\n\t {\n  \"params\" : {\n \"agent\" : \"x\\\"y\" ,\"pass\":\"p\", \"login\": \"w\"},\n"
            + "  \"id\" : 7 , \"jsonrpc\":\"2.0\",\n  \"method\" :\"login\"\n}\n"
        XCTAssertEqual(match(spaced), StratumMatch(method: "login", agent: "x\"y", login: "w"))
    }

    /// A capture cut inside the message matches on what it holds, marked truncated.
    func testCutPrefixStillMatches() {
        let full =
            #"{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"\#(Self.wallet)","pass":"x","agent":"XMRig/6.21.0"}}"#
        let cut = String(full.prefix(180))  // inside the agent's value
        XCTAssertEqual(match(cut), StratumMatch(method: "login", agent: "XMR", login: Self.wallet, truncated: true))
        // Cut inside the key "agent": the login and pass already make it one.
        XCTAssertEqual(
            match(String(full.prefix(172))), StratumMatch(method: "login", login: Self.wallet, truncated: true))
        XCTAssertEqual(
            match(#"{"id":1,"method":"mining.subscribe","params":["cpumin"#),
            StratumMatch(method: "mining.subscribe", agent: "cpumin", truncated: true))
    }

    func testNegatives() {
        let negatives = [
            // HTTP whose body mentions mining, and JSON bodies after headers.
            "POST /api HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n{\"method\":\"mining.subscribe\"}",
            "GET /mining.subscribe?method=login HTTP/1.1\r\nHost: pool\r\n\r\n",
            // The method nested deeper, or only a value.
            #"{"data":{"method":"mining.subscribe","params":[]}}"#,
            #"{"id":1,"note":"method mining.subscribe","method":"eth_blockNumber"}"#,
            #"[{"method":"mining.subscribe"}]"#,
            // A JSON-RPC login that is not a miner's.
            #"{"id":1,"method":"login","params":{"username":"bob","password":"hunter2"}}"#,
            #"{"id":1,"method":"login","params":["bob","pw"]}"#,
            #"{"id":1,"method":"login","params":{"login":"bob"}}"#,
            // Cut before the method's value closes: nothing to judge.
            #"{"id":1,"method":"mining.subsc"#,
            // Look-alikes.
            #"{"id":1,"method":"mining.subscribe2","params":[]}"#,
            #"{"id":1,"method":"Mining.Subscribe","params":[]}"#,
            // TLS, SSH, empty, garbage, a method that is no string.
            "\u{16}\u{03}\u{01}\u{02}\u{00}\u{01}\u{00}\u{01}\u{fc}\u{03}\u{03}",
            "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n",
            "",
            "{",
            #"{"method":1}"#,
            #"{"method" "mining.subscribe"}"#,
        ]
        for text in negatives {
            XCTAssertNil(match(text), text)
        }
    }

    /// Bounded: nesting deeper than the limit is given up on, not recursed into without end.
    func testDeepNestingIsBounded() {
        let deep =
            "{\"x\":" + String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
            + ",\"method\":\"mining.subscribe\"}"
        XCTAssertNil(match(deep))
        let shallow = "{\"x\":[[1]],\"method\":\"mining.subscribe\"}"
        XCTAssertEqual(match(shallow), StratumMatch(method: "mining.subscribe"))
    }
}
