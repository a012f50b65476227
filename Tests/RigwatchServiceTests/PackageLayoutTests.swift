// SPDX-License-Identifier: Apache-2.0
import RigwatchService
import XCTest

/// The Debian package's layout: what `rigwatch install --layout package --root STAGE` stages
/// for `make deb`, from the same planner and texts as `rigwatch install`.
final class PackageLayoutTests: XCTestCase {
    func testPackagePathsAreDebiansAndTheRestAsInstalled() {
        let package = InstallLayout.package
        XCTAssertEqual(package.owner, .debianPackage)
        XCTAssertEqual(package.binary, "/usr/bin/rigwatch")
        XCTAssertEqual(package.unit, "/lib/systemd/system/rigwatch.service")
        var expected = InstallLayout()
        expected.owner = .debianPackage
        expected.binary = "/usr/bin/rigwatch"
        expected.unit = "/lib/systemd/system/rigwatch.service"
        XCTAssertEqual(package, expected, "only the owner, binary and unit differ from the install command's layout")
        XCTAssertFalse(package.recordsManifest)
        XCTAssertFalse(package.createsDataDirectories)
        XCTAssertTrue(InstallLayout().recordsManifest)
        XCTAssertTrue(InstallLayout().createsDataDirectories)
    }

    /// Into an empty staging root: the binary, the unit and the configuration with their
    /// parents, and nothing else: no log or state directory, no manifest, no systemctl even
    /// where systemd could be told.
    func testStagingPlanIsTheThreeFilesOnly() {
        var options = InstallOptions(binary: [1, 2, 3])
        options.systemd = true
        let layout = InstallLayout.package
        let plan = InstallPlanner.install(options, layout: layout) { _ in .absent }
        XCTAssertEqual(plan.errors, [])
        XCTAssertEqual(
            plan.steps,
            [
                .makeDirectory(path: "/usr", mode: 0o755), .makeDirectory(path: "/usr/bin", mode: 0o755),
                .makeDirectory(path: "/lib", mode: 0o755), .makeDirectory(path: "/lib/systemd", mode: 0o755),
                .makeDirectory(path: "/lib/systemd/system", mode: 0o755), .makeDirectory(path: "/etc", mode: 0o755),
                .makeDirectory(path: "/etc/rigwatch", mode: 0o750),
                .writeFile(
                    path: "/usr/bin/rigwatch", mode: 0o755, contents: [1, 2, 3], binary: true, replacing: false),
                .writeFile(
                    path: "/lib/systemd/system/rigwatch.service", mode: 0o644,
                    contents: Array(InstallPlanner.unitFile(layout).utf8), binary: false, replacing: false),
                .writeFile(
                    path: "/etc/rigwatch/rigwatch.yaml", mode: 0o600,
                    contents: Array(InstallPlanner.defaultConfig(layout).utf8), binary: false, replacing: false),
                .note("package layout: no install manifest (dpkg records these files) and no systemctl"),
            ])
    }

    /// A manifest lying in the staging root is not the package's business: not read, not written.
    func testStagingIgnoresAManifest() {
        let plan = InstallPlanner.install(InstallOptions(binary: [1]), layout: .package) { path in
            path == "/var/lib/rigwatch/install.manifest" ? .file(mode: 0o600, contents: Array("bogus\n".utf8)) : .absent
        }
        XCTAssertEqual(plan.errors, [])
        XCTAssertFalse(
            plan.steps.contains { step in
                if case .writeFile(let path, _, _, _, _) = step { return path.hasPrefix("/var/") }
                return false
            })
    }

    /// The package's unit is the install command's with the package's paths: the header
    /// comment and the two commands that name the binary are the only lines that differ.
    func testPackageUnitDiffersOnlyInItsPaths() {
        let local = InstallPlanner.unitFile().split(separator: "\n", omittingEmptySubsequences: false)
        let package = InstallPlanner.unitFile(.package).split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(local.count, package.count)
        let differing = zip(local, package).filter { $0 != $1 }.map { String($0.1) }
        XCTAssertEqual(
            differing,
            [
                "# /lib/systemd/system/rigwatch.service: installed by the rigwatch Debian package, removed with it.",
                "ExecStart=/usr/bin/rigwatch run --config /etc/rigwatch/rigwatch.yaml --events none",
                "ExecReload=/usr/bin/rigwatch check-config /etc/rigwatch/rigwatch.yaml",
            ])
        XCTAssertEqual(
            local.first,
            "# /etc/systemd/system/rigwatch.service: installed by `rigwatch install`, removed by `rigwatch uninstall`.")
    }

    func testPackageConfigIsTheInstalledOne() {
        XCTAssertEqual(InstallPlanner.defaultConfig(.package), InstallPlanner.defaultConfig())
    }
}
