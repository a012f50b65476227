// SPDX-License-Identifier: Apache-2.0
import RigwatchConfig
import RigwatchCore
import XCTest

final class ChildProfileConfigTests: XCTestCase {
    func testParseAndBuild() throws {
        let yaml = """
            policy:
              child_profiles:
                - command: /usr/sbin/logrotate /etc/logrotate.conf
                  allow:
                    - /bin/sh -c invoke-rc.d * rotate
                    - /etc/init.d/*
            """
        let config = try ConfigLoader.parse(yaml, file: "rw.yaml")
        XCTAssertTrue(config.policy.defaultChildProfiles)
        XCTAssertEqual(
            config.policy.childProfiles,
            [
                PolicyConfig.ChildProfile(
                    command: "/usr/sbin/logrotate /etc/logrotate.conf",
                    allow: ["/bin/sh -c invoke-rc.d * rotate", "/etc/init.d/*"], origin: "rw.yaml:3",
                    allowOrigins: ["rw.yaml:5", "rw.yaml:6"])
            ])
        var policy = config.policy
        policy.mergedUsr = .yes
        let set = try PolicyBuilder.build(policy, watched: [WatchedUser(uid: 0, name: "root")]).childProfiles
        XCTAssertEqual(set.profiles.count, DefaultChildProfiles.profiles.count + 1)
        let added = try XCTUnwrap(set.profiles.last)
        XCTAssertEqual(added.origin, "rw.yaml:3")
        XCTAssertEqual(added.allow.map(\.origin), ["rw.yaml:5", "rw.yaml:6"])
        XCTAssertEqual(added.allow.first?.command, .path(Array("/usr/bin/sh".utf8)), "merged /usr applied")
        // root's home (/root) joins the writable paths.
        XCTAssertEqual(set.classes.writablePrefixes, RootChildClasses.defaultWritablePrefixes + ["/root/"])

        policy.defaultChildProfiles = false
        XCTAssertEqual(try PolicyBuilder.build(policy, watched: []).childProfiles.profiles.map(\.origin), ["rw.yaml:3"])
    }

    func testErrorsWithTheirLines() {
        let cases: [(String, String)] = [
            (
                "policy:\n  child_profiles:\n    - command: /usr/bin/x\n      allowed: [/usr/bin/y]\n",
                "rw.yaml:4:7: unknown key 'allowed' in policy.child_profiles[0] (known: command, allow)"
            ),
            (
                "policy:\n  child_profiles:\n    - command: /usr/bin/x\n",
                "rw.yaml:3:7: policy.child_profiles[0] needs allow: what those entries may start as root"
            ),
            (
                "policy:\n  child_profiles:\n    - allow: [/usr/bin/y]\n",
                "rw.yaml:3:7: policy.child_profiles[0] needs a command: the allowed entries the profile applies to"
            ),
            (
                "policy:\n  child_profiles:\n    - command: /usr/bin/x\n      allow: [sh -c id]\n",
                "rw.yaml:4:15: policy.child_profiles[0].allow[0]: command 'sh' must be a fully qualified path, a directory ending in '/', or ALL in 'sh -c id'"
            ),
            (
                "policy:\n  child_profiles:\n    - command: logrotate\n      allow: [/usr/bin/y]\n",
                "rw.yaml:3:16: policy.child_profiles[0].command: command 'logrotate' must be a fully qualified path, a directory ending in '/', or ALL in 'logrotate'"
            ),
            (
                "policy:\n  child_profiles:\n    - command: /usr/bin/x\n      allow: /usr/bin/y\n",
                "rw.yaml:4:14: policy.child_profiles[0].allow must be a list of commands (sudoers Cmnd syntax)"
            ),
            (
                "policy:\n  child_profiles: {command: /usr/bin/x}\n",
                "rw.yaml:2:19: policy.child_profiles must be a list of profiles ({command: CMND, allow: [CMND, …]})"
            ),
            (
                "policy:\n  default_child_profiles: maybe\n",
                "rw.yaml:2:27: policy.default_child_profiles must be true or false"
            ),
        ]
        for (yaml, message) in cases {
            XCTAssertThrowsError(try ConfigLoader.parse(yaml, file: "rw.yaml"), message) {
                XCTAssertEqual(String(describing: $0), message)
            }
        }
    }

    func testAReloadAppliesProfilesLive() throws {
        var running = SensorConfig()
        running.watchUsers = ["root"]
        var loaded = running
        loaded.policy.childProfiles = [
            PolicyConfig.ChildProfile(command: "/usr/sbin/logrotate *", allow: ["/etc/init.d/*"], origin: "rw.yaml:3")
        ]
        loaded.policy.defaultChildProfiles = false
        let plan = ConfigReloadPlan(running: running, loaded: loaded)
        XCTAssertEqual(plan.needsRestart, [])
        XCTAssertEqual(
            plan.applied.map(\.description),
            [
                "policy.default_child_profiles true → false",
                "policy.child_profiles [] → [{command: /usr/sbin/logrotate *, allow: [/etc/init.d/*]}]",
            ])
    }
}
