import ArgumentParser
import RigwatchConfig
import RigwatchCore
import RigwatchSources

/// `--config FILE`, shared by the commands that run the engine.
struct ConfigOption: ParsableArguments {
    @Option(name: .customLong("config"), help: "YAML configuration file (every key optional).")
    var path: String?

    /// The configuration, or defaults without a file. Errors name file, line and column.
    func load() throws -> RigwatchConfig {
        guard let path else { return RigwatchConfig() }
        do {
            return try ConfigLoader.load(path: path)
        } catch let error as ConfigError {
            Log.error("invalid configuration: \(error)")
            throw ExitCode(2)
        }
    }
}

/// Resolves user names to uids; unknown users are reported and skipped.
/// `known` (e.g. a trace's own user table) is consulted before this host's passwd.
func resolveUsers(_ names: [String], known: [WatchedUser] = []) -> [UInt32] {
    var uids: [UInt32] = []
    for name in names {
        if let user = known.first(where: { $0.name == name }) {
            uids.append(user.uid)
        } else if let uid = Users.uid(of: name) {
            uids.append(uid)
        } else {
            Log.warning("watched user \(name) does not exist on this host; the sensor runs without it")
        }
    }
    return uids
}
