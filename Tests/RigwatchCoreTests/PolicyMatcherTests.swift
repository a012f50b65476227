// SPDX-License-Identifier: Apache-2.0
import RigwatchCore
import RigwatchTestSupport
import XCTest

/// The sudoers Cmnd matcher: sudo's semantics on hand-picked cases (the sudo
/// differential test checks the same against the real sudo at scale).
final class PolicyMatcherTests: XCTestCase {
    private func policy(_ rules: [String], canon: PathCanon = .mergedUsr) throws -> CompiledPolicy {
        CompiledPolicy(
            name: "t",
            rules: try rules.enumerated().map { i, r in try CommandSpec.parse(r, origin: "t:\(i)", canon: canon) },
            canon: canon)
    }

    private func allowed(
        _ p: CompiledPolicy, _ argv: [String], file: StaticString = #filePath, line: UInt = #line
    ) -> Bool {
        p.decide(exe: argv[0], argv: argv).isAllowed
    }

    func testFNMatchBasics() {
        XCTAssertTrue(FNMatch.matches("ps *", "ps -a --format {{.Names}}", pathname: false))
        XCTAssertFalse(FNMatch.matches("ps *", "ps", pathname: false), "'ps *' needs a space after ps")
        XCTAssertTrue(FNMatch.matches("*", "", pathname: false))
        XCTAssertTrue(FNMatch.matches("a*b*c", "a/x y/b//c", pathname: false))
        XCTAssertTrue(FNMatch.matches("/usr/bin/*", "/usr/bin/id", pathname: true))
        XCTAssertFalse(FNMatch.matches("/usr/bin/*", "/usr/bin/x/id", pathname: true), "FNM_PATHNAME: * stops at /")
        XCTAssertTrue(FNMatch.matches("/usr/*/id", "/usr/bin/id", pathname: true))
        XCTAssertFalse(FNMatch.matches("/usr/?in/id", "/usr//in/id", pathname: true))
        XCTAssertTrue(FNMatch.matches("x[a-c]y", "xby", pathname: false))
        XCTAssertFalse(FNMatch.matches("x[!a-c]y", "xby", pathname: false))
        XCTAssertTrue(FNMatch.matches("x[^a-c]y", "xdy", pathname: false))
        XCTAssertTrue(FNMatch.matches("x[]]y", "x]y", pathname: false))
        XCTAssertTrue(FNMatch.matches("[[:digit:]][[:alpha:]]", "7q", pathname: false))
        XCTAssertTrue(FNMatch.matches("a\\*b", "a*b", pathname: false))
        XCTAssertFalse(FNMatch.matches("a\\*b", "axb", pathname: false))
        XCTAssertTrue(FNMatch.matches("x[ab", "x[ab", pathname: false), "an unterminated bracket is literal")
        XCTAssertTrue(FNMatch.matches("*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaab", pathname: false))
        XCTAssertFalse(FNMatch.matches("*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaa", pathname: false))
    }

    func testArgumentSemantics() throws {
        let p = try policy([
            "/usr/bin/docker ps *", "/usr/bin/apt update", "/usr/bin/id \"\"", "/usr/bin/cat",
            "/usr/bin/timeout * /usr/bin/nvidia-smi -pm 1",
        ])
        XCTAssertTrue(allowed(p, ["/usr/bin/docker", "ps", "-a"]))
        XCTAssertTrue(allowed(p, ["/usr/bin/docker", "ps", "a b", "c"]), "args are joined by single spaces")
        XCTAssertFalse(allowed(p, ["/usr/bin/docker", "ps"]))
        XCTAssertFalse(allowed(p, ["/usr/bin/docker", "run", "ps", "x"]))
        XCTAssertTrue(allowed(p, ["/usr/bin/apt", "update"]))
        XCTAssertFalse(allowed(p, ["/usr/bin/apt", "update", "-y"]))
        XCTAssertFalse(allowed(p, ["/usr/bin/apt"]))
        XCTAssertTrue(allowed(p, ["/usr/bin/id"]), "\"\" allows no arguments")
        XCTAssertFalse(allowed(p, ["/usr/bin/id", "-u"]))
        XCTAssertTrue(allowed(p, ["/usr/bin/cat", "/etc/anything", "more"]), "no args in the rule: any args")
        XCTAssertTrue(allowed(p, ["/usr/bin/cat"]))
        XCTAssertTrue(
            allowed(p, ["/usr/bin/timeout", "9", "/bin/sh", "-c", "id", "/usr/bin/nvidia-smi", "-pm", "1"]),
            "'*' crosses spaces and slashes, as in sudo")
        XCTAssertFalse(allowed(p, ["/usr/bin/dockerx", "ps", "-a"]))
        XCTAssertFalse(allowed(p, ["/usr/local/bin/docker", "ps", "-a"]))
        XCTAssertTrue(allowed(p, ["/bin/docker", "ps", "-a"]), "merged /usr: /bin/docker is /usr/bin/docker")
        let strict = try policy(["/usr/bin/docker ps *"], canon: .identity)
        XCTAssertFalse(allowed(strict, ["/bin/docker", "ps", "-a"]))
    }

    func testDirectoriesGlobsAllAndNegation() throws {
        let p = try policy(["/usr/sbin/", "/opt/tools/*/run *", "!/usr/sbin/reboot"])
        XCTAssertTrue(allowed(p, ["/usr/sbin/sshd", "-p", "22"]))
        XCTAssertFalse(allowed(p, ["/usr/sbin/x/y"]), "a directory allows only what is directly in it")
        XCTAssertFalse(allowed(p, ["/usr/sbin/reboot"]), "a later !cmd takes back the earlier allow")
        XCTAssertTrue(allowed(p, ["/opt/tools/a/run", "x"]))
        XCTAssertFalse(allowed(p, ["/opt/tools/a/b/run", "x"]))
        let all = try policy(["ALL", "!/usr/bin/su"])
        XCTAssertTrue(allowed(all, ["/anything", "at", "all"]))
        XCTAssertFalse(allowed(all, ["/usr/bin/su"]))
        XCTAssertEqual(all.decide(exe: "/usr/bin/su", argv: ["/usr/bin/su"]), .denied(rule: 1))
        XCTAssertEqual(p.decide(exe: "/nope", argv: ["/nope"]), .denied(rule: nil))
    }

    func testSudoersEscapesInArguments() throws {
        let p = try policy([#"/usr/bin/echo a\,b c\:d e\=f g=h"#, #"/usr/bin/printf \*"#])
        XCTAssertTrue(allowed(p, ["/usr/bin/echo", "a,b", "c:d", "e=f", "g=h"]))
        XCTAssertTrue(allowed(p, ["/usr/bin/printf", "*"]))
        XCTAssertFalse(allowed(p, ["/usr/bin/printf", "x"]), "\\* is a literal star")
    }

    func testTruncatedArgvCannotBeAllowedByAnArgumentPattern() throws {
        let p = try policy(["/usr/bin/docker ps *", "/usr/bin/cat"])
        let args = Array("/usr/bin/docker\0ps\0-a".utf8)
        let exe = Array("/usr/bin/docker".utf8)
        let decision = exe.withUnsafeBufferPointer { e in
            args.withUnsafeBufferPointer { a in
                p.decide(exe: e, args: a, argc: 5, argsTruncated: true)
            }
        }
        XCTAssertEqual(decision, .denied(rule: nil))
        XCTAssertTrue(allowed(p, ["/usr/bin/cat", "x"]))
    }

    func testBadRulesAreClearErrors() {
        XCTAssertThrowsError(try CommandSpec.parse("docker ps", origin: "x")) {
            XCTAssertTrue(String(describing: $0).contains("must be a fully qualified path"))
        }
        XCTAssertThrowsError(try CommandSpec.parse("/usr/bin/x ^a.*$", origin: "x")) {
            XCTAssertTrue(String(describing: $0).contains("regular-expression arguments"))
        }
        XCTAssertThrowsError(try CommandSpec.parse("/usr/bin/ x", origin: "x")) {
            XCTAssertTrue(String(describing: $0).contains("takes no arguments"))
        }
    }

    func testSudoersImportTakesOnlyTheWatchedUsersRootCommands() throws {
        let text = """
            # comment
            Defaults env_reset
            Cmnd_Alias DOCKER = /usr/bin/docker ps *, /usr/bin/docker logs *
            User_Alias OPS = alice, #2002
            kaalia ALL=(root) NOPASSWD: /usr/bin/id, DOCKER, \\
                /usr/bin/uptime
            kaalia ALL=(postgres) /usr/bin/psql
            OPS ALL=(ALL:ALL) NOPASSWD: SETENV: /usr/bin/env
            other ALL=(root) /usr/bin/other
            ALL ALL=(root) !/usr/bin/su
            """
        let parser = SudoersParser(file: "s", canon: .mergedUsr)
        let rules = try parser.parse(text, users: [.init(uid: 1001, name: "kaalia"), .init(uid: 2002, name: "bob")])
        XCTAssertEqual(
            rules["kaalia"]?.map(\.text),
            ["/usr/bin/id", "/usr/bin/docker ps *", "/usr/bin/docker logs *", "/usr/bin/uptime", "!/usr/bin/su"])
        XCTAssertEqual(rules["kaalia"]?.last?.negated, true)
        XCTAssertEqual(rules["kaalia"]?.first?.origin, "s:5")
        XCTAssertEqual(rules["bob"]?.map(\.text), ["/usr/bin/env", "!/usr/bin/su"])
    }

    /// A sudoers file saved with CRLF line ends reads as its lines, with their numbers.
    func testSudoersWithCRLFLineEnds() throws {
        let text =
            "# header\r\nkaalia ALL=(root) NOPASSWD: /usr/bin/id, \\\r\n    /usr/bin/uptime\r\n\r\nkaalia ALL=(root) /usr/bin/w\r\n"
        let rules = try SudoersParser(file: "s").parse(text, users: [.init(uid: 1, name: "kaalia")])
        XCTAssertEqual(rules["kaalia"]?.map(\.text), ["/usr/bin/id", "/usr/bin/uptime", "/usr/bin/w"])
        XCTAssertEqual(rules["kaalia"]?.map(\.origin), ["s:2", "s:2", "s:5"])
    }

    func testSudoersErrorsNameFileAndLine() {
        let parser = SudoersParser(file: "/etc/sudoers.d/x")
        XCTAssertThrowsError(
            try parser.parse("kaalia ALL=(root) NOPASSWD: docker ps\n", users: [.init(uid: 1, name: "kaalia")])
        ) {
            XCTAssertEqual(
                String(describing: $0),
                "/etc/sudoers.d/x:1: command 'docker' must be a fully qualified path, a directory ending in '/', or ALL in 'docker ps'"
            )
        }
        XCTAssertThrowsError(try parser.parse("\n\nkaalia ALL /usr/bin/id\n", users: [.init(uid: 1, name: "kaalia")])) {
            XCTAssertEqual(
                String(describing: $0),
                "/etc/sudoers.d/x:3: cannot parse 'kaalia ALL /usr/bin/id': expected '=' after the host list")
        }
        XCTAssertThrowsError(try parser.parse("@includedir /etc/x\n", users: [])) {
            XCTAssertEqual(
                String(describing: $0), "/etc/sudoers.d/x:1: includes are not followed; import the included file itself"
            )
        }
        XCTAssertThrowsError(
            try parser.parse("kaalia ALL=(root) NOPASSWD: NOPE\n", users: [.init(uid: 1, name: "kaalia")])
        ) {
            XCTAssertEqual(String(describing: $0), "/etc/sudoers.d/x:1: unknown Cmnd_Alias 'NOPE'")
        }
    }

    func testSeedWhitelistImportsUnchanged() throws {
        let seed = try String(
            contentsOfFile: Repo.fixture("traces") + "/../data/vastai-restricted.sudoers", encoding: .utf8)
        XCTAssertEqual(
            DefaultPolicyData.seedSudoers + "\n", seed, "the embedded seed must be the shared file, byte for byte")
        let rules = try SudoersParser(file: "seed", canon: .mergedUsr).parse(
            seed, users: [.init(uid: 1001, name: "vastai_kaalia")])
        XCTAssertEqual(rules["vastai_kaalia"]?.count, 49)
        XCTAssertEqual(PolicySet.defaultRules(canon: .mergedUsr).count, 49 + 23)
    }
}
