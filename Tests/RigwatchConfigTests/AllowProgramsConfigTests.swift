// SPDX-License-Identifier: Apache-2.0
import RigwatchConfig
import RigwatchCore
import XCTest

/// `network.watched_user_allow_programs` and `files.maintenance[].below`.
final class AllowProgramsConfigTests: XCTestCase {
    func testDefaultsAndAGivenListReplacingThem() throws {
        XCTAssertEqual(
            try ConfigLoader.parse("{}\n", file: "rw.yaml").network.watchedUserAllowPrograms, ProgramAllowance.defaults)
        let yaml = """
            network:
              watched_user_allow_programs:
                - program: /usr/lib/apt/methods/https
                  parent: /usr/bin/apt-get
            files:
              maintenance:
                - path: /etc/systemd/system/*.wants/*
                  program: /usr/bin/systemctl
                  below: /usr/bin/dpkg

            """
        let config = try ConfigLoader.parse(yaml, file: "rw.yaml")
        XCTAssertEqual(
            config.network.watchedUserAllowPrograms,
            [ProgramAllowance(program: "/usr/lib/apt/methods/https", parent: "/usr/bin/apt-get", origin: "rw.yaml:3")])
        XCTAssertEqual(
            NetworkSettingsBuilder.build(config.network).settings.watchedOutbound.allowPrograms,
            config.network.watchedUserAllowPrograms)
        XCTAssertEqual(
            config.files.maintenance,
            [
                MaintenanceRule(
                    path: "/etc/systemd/system/*.wants/*", program: "/usr/bin/systemctl", below: "/usr/bin/dpkg",
                    origin: "rw.yaml:7")
            ])
        XCTAssertEqual(
            try ConfigLoader.parse("network:\n  watched_user_allow_programs: []\n", file: "rw.yaml")
                .network.watchedUserAllowPrograms, [])
    }

    func testAnEntryNeedsAnAbsoluteProgramAndParent() {
        XCTAssertThrowsError(
            try ConfigLoader.parse(
                "network:\n  watched_user_allow_programs:\n    - program: /usr/lib/apt/methods/http\n", file: "rw.yaml")
        ) { error in
            XCTAssertEqual(
                "\(error)",
                "rw.yaml:3:7: network.watched_user_allow_programs[0] needs a program and a parent (the parent must run as root)"
            )
        }
        XCTAssertThrowsError(
            try ConfigLoader.parse(
                "network:\n  watched_user_allow_programs:\n    - {program: http, parent: /usr/bin/apt}\n",
                file: "rw.yaml"))
    }
}
