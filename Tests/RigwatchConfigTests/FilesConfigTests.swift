// SPDX-License-Identifier: Apache-2.0
import RigwatchConfig
import RigwatchCore
import XCTest

final class FilesConfigTests: XCTestCase {
    func testDefaults() throws {
        let config = SensorConfig()
        XCTAssertTrue(config.files.enabled)
        XCTAssertEqual(config.files.paths, FileWatchSettings.defaultPaths)
        XCTAssertTrue(config.files.defaultMaintenance)
        XCTAssertEqual(config.files.maintenance, [])
        XCTAssertEqual(config.files.maintenanceRules, MaintenanceRule.defaults)
        XCTAssertTrue(config.tamper.enabled)
        XCTAssertEqual(config.tamper.integrityCheckSeconds, 2)

        let settings = try XCTUnwrap(config.files.settings(hostMountNamespace: 7))
        XCTAssertEqual(settings.watchedPaths, FileWatchSettings.defaultPaths)
        XCTAssertEqual(settings.maintenance, MaintenanceRule.defaults)
        XCTAssertEqual(settings.hostMountNamespace, 7)
        XCTAssertEqual(config.tamper.settings(repeatWindowSeconds: 30), TamperSettings(repeatWindowSeconds: 30))
    }

    func testParse() throws {
        let yaml = """
            files:
              paths:
                - /etc/sudoers
                - /etc/sudoers.d/
                - /etc//cron.d/./
                - /etc/cron.d
              maintenance:
                - path: /etc/cron.d/backup-*
                  program: /usr/local/bin/backup
                  lineage: unwatched
                - program: /usr/bin/dnf
            tamper:
              enabled: false
              integrity_check_seconds: 10

            """
        let config = try ConfigLoader.parse(yaml, file: "rw.yaml")
        XCTAssertEqual(config.files.paths, ["/etc/sudoers", "/etc/sudoers.d", "/etc/cron.d"])
        XCTAssertEqual(
            config.files.maintenance,
            [
                MaintenanceRule(
                    path: "/etc/cron.d/backup-*", program: "/usr/local/bin/backup", lineage: .unwatched,
                    origin: "rw.yaml:8"),
                MaintenanceRule(program: "/usr/bin/dnf", lineage: .any, origin: "rw.yaml:11"),
            ])
        XCTAssertEqual(config.files.maintenanceRules.count, MaintenanceRule.defaults.count + 2)
        XCTAssertFalse(config.tamper.enabled)
        XCTAssertEqual(config.tamper.integrityCheckSeconds, 10)
        XCTAssertNil(config.tamper.settings())
    }

    func testOffAndWithoutTheBuiltInRules() throws {
        let off = try ConfigLoader.parse("files:\n  enabled: false\n")
        XCTAssertNil(off.files.settings())
        let own = try ConfigLoader.parse(
            "files:\n  default_maintenance: false\n  maintenance:\n    - path: /etc/crontab\n")
        XCTAssertEqual(own.files.maintenanceRules.map(\.path), ["/etc/crontab"])
        XCTAssertEqual(own.files.settings()?.maintenance.count, 1)
        XCTAssertEqual(try ConfigLoader.parse("files:\n  paths: []\n").files.paths, [])
    }

    func testPathErrorsWithTheirLines() {
        let cases: [(String, String)] = [
            ("files:\n  paths: [etc/cron.d]\n", "rw.yaml:2:11: files.paths[0]: 'etc/cron.d' is not an absolute path"),
            (
                "files:\n  paths:\n    - /etc/crontab\n    - /\n",
                "rw.yaml:4:7: files.paths[1]: '/' would watch every file; name directories or files below /"
            ),
            (
                "files:\n  paths: [/etc/..]\n",
                "rw.yaml:2:11: files.paths[0]: '/etc/..' would watch every file; name directories or files below /"
            ),
            (
                "files:\n  paths: [/\(String(repeating: "a", count: 127))]\n",
                "rw.yaml:2:11: files.paths[0]: '/\(String(repeating: "a", count: 127))' is 128 bytes; the kernel takes at most 127"
            ),
            ("files:\n  paths: /etc/crontab\n", "rw.yaml:2:10: files.paths must be a list of absolute paths"),
            ("files:\n  paths: [~]\n", "rw.yaml:2:11: files.paths[0] must be a string"),
            ("files:\n  enabled: yes\n", "rw.yaml:2:12: files.enabled must be true or false"),
            (
                "files:\n  path: [/etc]\n",
                "rw.yaml:2:3: unknown key 'path' in files (known: enabled, paths, default_maintenance, maintenance)"
            ),
        ]
        for (yaml, message) in cases {
            XCTAssertThrowsError(try ConfigLoader.parse(yaml, file: "rw.yaml"), message) {
                XCTAssertEqual(String(describing: $0), message)
            }
        }
    }

    func testAtMost32PathsAfterDuplicatesGo() throws {
        let lines = (0..<32).map { "    - /etc/w\($0)\n" }.joined()
        XCTAssertEqual(try ConfigLoader.parse("files:\n  paths:\n" + lines + "    - /etc/w0/\n").files.paths.count, 32)
        XCTAssertThrowsError(try ConfigLoader.parse("files:\n  paths:\n" + lines + "    - /etc/w32\n", file: "rw.yaml"))
        {
            XCTAssertEqual(String(describing: $0), "rw.yaml:35:7: files.paths: at most 32 paths (the kernel's table)")
        }
    }

    func testMaintenanceErrorsWithTheirLines() {
        let cases: [(String, String)] = [
            (
                "files:\n  maintenance:\n    - path: /etc/x\n      user: root\n",
                "rw.yaml:4:7: unknown key 'user' in files.maintenance[0] (known: path, program, lineage, below)"
            ),
            (
                "files:\n  maintenance:\n    - path: /etc/x\n      lineage: mine\n",
                "rw.yaml:4:16: files.maintenance[0].lineage must be any, watched or unwatched, not 'mine'"
            ),
            (
                "files:\n  maintenance:\n    - lineage: watched\n",
                "rw.yaml:3:7: files.maintenance[0] needs a path or a program (a rule with neither would silence every change)"
            ),
            (
                "files:\n  maintenance:\n    - program: tee\n",
                "rw.yaml:3:16: files.maintenance[0].program must be an absolute path or glob (fnmatch, '*' does not cross '/')"
            ),
            (
                "files:\n  maintenance:\n    - path: [/etc/x]\n",
                "rw.yaml:3:13: files.maintenance[0].path must be a string"
            ),
            ("files:\n  maintenance:\n    - /etc/x\n", "rw.yaml:3:7: files.maintenance[0] must be a mapping"),
            ("files:\n  maintenance: {path: /etc/x}\n", "rw.yaml:2:16: files.maintenance must be a list of rules"),
        ]
        for (yaml, message) in cases {
            XCTAssertThrowsError(try ConfigLoader.parse(yaml, file: "rw.yaml"), message) {
                XCTAssertEqual(String(describing: $0), message)
            }
        }
    }

    func testTamperErrorsWithTheirLines() {
        let cases: [(String, String)] = [
            (
                "tamper:\n  integrity_check_seconds: 0\n",
                "rw.yaml:2:28: tamper.integrity_check_seconds must be between 1 and 3600, not 0"
            ),
            (
                "tamper:\n  integrity_check_seconds: 3601\n",
                "rw.yaml:2:28: tamper.integrity_check_seconds must be between 1 and 3600, not 3601"
            ),
            (
                "tamper:\n  heartbeat: 1\n",
                "rw.yaml:2:3: unknown key 'heartbeat' in tamper (known: enabled, integrity_check_seconds)"
            ),
            ("tamper: true\n", "rw.yaml:1:9: tamper must be a mapping"),
        ]
        for (yaml, message) in cases {
            XCTAssertThrowsError(try ConfigLoader.parse(yaml, file: "rw.yaml"), message) {
                XCTAssertEqual(String(describing: $0), message)
            }
        }
    }
}
