// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

@main
struct Rigwatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rigwatch",
        abstract: "Kernel event sensor for GPU rental hosts.",
        discussion: "Each command's --help lists its exit statuses; 64 is a bad command line for every command.",
        version: SensorVersion.string,
        subcommands: [
            RunCommand.self, RecordCommand.self, ReplayCommand.self, TraceCommand.self, CheckConfigCommand.self,
            CheckKernelCommand.self, TestAlertCommand.self, StatusCommand.self, InstallCommand.self,
            UninstallCommand.self, UnpinCommand.self, PolicyCommand.self, ExplainCommand.self,
            CheckHostCommand.self, HardenCommand.self,
        ]
    )
}
