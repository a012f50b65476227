// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import RigwatchConfig
import RigwatchCore
import RigwatchService
import RigwatchSources

/// `rigwatch harden`: what the community hardening tool does by hand, done so that a
/// rejected file never reaches /etc and every change can be undone.
struct HardenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "harden",
        abstract: "Make sudo enforce the whitelist (--sudoers), turn off core dumps (--core-limits), or undo.",
        discussion: """
            --sudoers writes the policy in force for the watched users (the one `rigwatch policy list` \
            prints) as /etc/sudoers.d/rigwatch-whitelist and comments out every line of /etc/sudoers and \
            /etc/sudoers.d that grants a watched user ALL (NOPASSWD: ALL and the like), behind the marker \
            '\(SudoersGrantRewrite.marker)'. A line that also grants ALL to someone else (another user, a \
            %group with other members) is left and reported. --core-limits writes \(CoreLimitFiles.limits) \
            (* hard core 0) and \(CoreLimitFiles.sysctl) (fs.suid_dumpable = 0, applied with sysctl -p). \
            Every new file is written beside its target under a name sudo ignores and checked with \
            `visudo -c -f` before it replaces anything; the files it replaces are kept in \
            /var/lib/rigwatch/harden-backup/TIMESTAMP with a manifest, which --undo reads. Idempotent: \
            a second run changes nothing.
            Exit status: 0 done, or nothing to change; 1 --dry-run found changes to make; 2 refused \
            or failed (visudo's message is printed; nothing was changed); 64 a bad command line.
            """
    )

    @Flag(help: "Install the whitelist as a sudoers drop-in and disable the watched users' grants of ALL.")
    var sudoers = false

    @Flag(help: "Turn off core dumps: limits.d (* hard core 0) and sysctl.d (fs.suid_dumpable = 0).")
    var coreLimits = false

    @Flag(help: "Put back what the latest harden run changed (removes what it created), validated the same way.")
    var undo = false

    @Flag(help: "Print what would change (the drop-in, each line disabled) and change nothing.")
    var dryRun = false

    @Option(help: "Work on this directory instead of / (a staged tree): only `visudo -c -f` per file, no sysctl.")
    var root: String = "/"

    @OptionGroup var config: ConfigOption

    @Option(help: "The drop-in's file name in sudoers.d (no '.', not ending in '~').")
    var dropIn: String = HardenLayout.dropInName

    @Option(help: "Where backups and manifests go (default: ROOT/var/lib/rigwatch/harden-backup).")
    var backupDir: String?

    func validate() throws {
        if !sudoers && !coreLimits && !undo { throw ValidationError("give --sudoers, --core-limits or --undo") }
        if undo && (sudoers || coreLimits) { throw ValidationError("--undo goes alone (it undoes the latest run)") }
        if let problem = HardenLayout.dropInNameProblem(dropIn) { throw ValidationError(problem) }
        if !root.hasPrefix("/") { throw ValidationError("--root must be an absolute path: \(root)") }
    }

    func run() throws {
        let host = HardenHost(root: root)
        if geteuid() != 0 && !dryRun && !host.isStaged {
            throw fail("must run as root (or with --dry-run, or with --root DIR for a staged tree)")
        }
        let installer = HardenInstaller(
            host: host, backupRoot: backupDir ?? host.real(HardenLayout.backupDirectory))
        do {
            if undo { return try runUndo(installer) }
            var plan = HardenPlan()
            if sudoers { plan.merge(try sudoersPlan(host)) }
            if coreLimits { plan.merge(try host.planCoreLimits()) }
            try report(plan, installer)
        } catch let failure as HardenHost.Failure {
            throw fail(failure.description)
        }
    }

    private func report(_ plan: HardenPlan, _ installer: HardenInstaller) throws {
        let changing = plan.notes.filter { !$0.hasPrefix("keep ") }
        for note in plan.notes where note.hasPrefix("keep ") { Log.warning(note) }
        if plan.files.isEmpty {
            print("nothing to change: \(scope) already in place")
            return
        }
        if dryRun {
            print("dry run: nothing changed; harden would:")
            for note in changing { print("  \(note)") }
            for file in plan.files where file.isSudoers && file.path.hasSuffix("/\(dropIn)") {
                print("--- \(installer.host.real(file.path))")
                print(String(decoding: file.after ?? [], as: UTF8.self), terminator: "")
            }
            throw ExitCode(1)
        }
        let backup = try installer.apply(plan)
        for note in changing { print(note) }
        print("backup: \(backup) (rigwatch harden --undo puts it back)")
    }

    private func runUndo(_ installer: HardenInstaller) throws {
        if dryRun {
            guard let directory = installer.latestBackup() else { return print("nothing to undo") }
            let plan = try installer.undoPlan(directory)
            print("dry run: nothing changed; undo of \(directory) would:")
            for note in plan.notes { print("  \(note)") }
            if !plan.isEmpty { throw ExitCode(1) }
            return
        }
        guard let (directory, plan) = try installer.undo() else { return print("nothing to undo") }
        for note in plan.notes { print(note) }
        print("undone: \(directory)")
    }

    private var scope: String {
        [sudoers ? "the sudoers drop-in" : nil, coreLimits ? "the core limits" : nil].compactMap { $0 }.joined(
            separator: " and ")
    }

    /// The whitelist each watched user has now, rendered, and the grants of ALL to disable.
    private func sudoersPlan(_ host: HardenHost) throws -> HardenPlan {
        let settings = try config.load()
        // A user this host lacks (a staged tree's) gets a placeholder uid of its own.
        let watched = settings.watchUsers.enumerated().map { i, name in
            Users.uid(of: name).map { WatchedUser(uid: $0, name: name) }
                ?? WatchedUser(uid: UInt32.max - 1 - UInt32(i), name: name)
        }
        let policies = try buildPolicies(settings, watched: watched)
        let users = watched.map { SudoersRendering.UserRules(name: $0.name, rules: policies.policy(for: $0.uid).rules) }
        let text: String
        do { text = try SudoersRendering.render(users, policyName: policies.name) } catch {
            throw fail("refused: \(error)")
        }
        return try host.planSudoers(
            dropIn: dropIn, dropInText: text, watched: Set(settings.watchUsers),
            members: { Users.members(of: [$0])[$0] })
    }

    private func fail(_ message: String) -> ExitCode {
        Log.error(message)
        return ExitCode(2)
    }
}

extension HardenPlan {
    mutating func merge(_ other: HardenPlan) {
        files += other.files
        notes += other.notes
        sysctlFiles += other.sysctlFiles
        sysctlRestore += other.sysctlRestore
    }
}
