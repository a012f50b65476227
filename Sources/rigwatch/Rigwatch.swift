// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

@main
struct Rigwatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rigwatch",
        abstract: "Kernel event sensor for GPU rental hosts.",
        version: SensorVersion.string,
        subcommands: [
            RunCommand.self, RecordCommand.self, ReplayCommand.self, TraceCommand.self, CheckConfigCommand.self,
            CheckKernelCommand.self, TestAlertCommand.self, StatusCommand.self, InstallCommand.self,
            UninstallCommand.self, UnpinCommand.self, PolicyCommand.self, ExplainCommand.self,
        ]
    )
}
