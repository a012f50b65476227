// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import RigwatchCore
import RigwatchSources

/// Where kernel events come from: BPF, the audit subsystem, or BPF with audit as the fallback.
enum SourceChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, bpf, audit
}

/// Options shared by every command that runs the live sensor.
struct SensorOptions: ParsableArguments {
    /// `auto` by default: the BPF source where this kernel can run it (the feature
    /// plan says so, with one line per feature), else the audit subsystem with one
    /// line saying why. `bpf` makes a BPF failure the end of the command.
    @Option(
        help: "Event source: auto (default: BPF where the kernel can run it, else the audit subsystem), bpf, or audit.")
    var source: SourceChoice = .auto

    @Option(
        name: .customLong("bpf-hook"),
        help: ArgumentHelp(
            "Force a kernel feature onto one hook rung, FEATURE=RUNG (repeatable; RUNG may be off for optional features). See `rigwatch check-kernel`.",
            valueName: "feature=rung"))
    var bpfHooks: [String] = []

    @Option(
        name: .customLong("watch-user"),
        help: "User whose process lineage is watched (repeatable; default: the config's watch_users, vastai_kaalia).")
    var watchUsers: [String] = []

    @Option(help: "Stop after this many seconds (default: run until SIGINT/SIGTERM).")
    var duration: Double?

    /// 32 MiB: the ring buffer is what holds the events while the sensor is down (pinned,
    /// see BPFPins). A process launch costs ~570 bytes (fork, exec, exit), so it holds
    /// ~58,000 of them: a stop until the service watchdog's kill and restart (~33 s) at
    /// ~1,700 launches a second, a kill and restart (~3 s) at ~19,000.
    @Option(
        name: .customLong("ring-buffer-size"),
        help:
            "Kernel ring buffer size in bytes (power of two, >= 4096; default 32 MiB: it holds what happens while the sensor is down)."
    )
    var ringBufferSize: UInt32 = 32 << 20

    @Option(name: .customLong("args-cap"), help: "Bytes of argv captured per exec (1-4096).")
    var argsCap: UInt32 = 4096

    @Option(help: "Kernel BTF file for CO-RE (default /sys/kernel/btf/vmlinux).")
    var btf: String?

    @Flag(name: .customLong("no-mount"), help: "Do not mount tracefs or bpffs when missing; fail instead.")
    var noMount = false

    @Option(name: .customLong("bpf-object"), help: .hidden)
    var bpfObject: String?

    @Option(name: .customLong("nvml-library"), help: "NVML library to load (default libnvidia-ml.so.1).")
    var nvmlLibrary: String?

    @Option(
        name: .customLong("nvidia-smi"), help: "nvidia-smi to fall back on when NVML cannot load (default: from PATH).")
    var nvidiaSMI: String?

    /// The GPU sampler, or nil with one log line saying why the GPU signal is off.
    func gpuSampling(interval: Double) -> GPUSampling? {
        let sampler = GPUSampler.open(nvmlLibrary: nvmlLibrary, nvidiaSMI: nvidiaSMI)
        switch sampler.backend {
        case .none(let reason):
            Log.info(reason)
            return nil
        case .nvml(let library):
            Log.info("GPU: sampling through NVML (\(library)) every \(interval) s")
        case .nvidiaSMI(let path):
            Log.info(
                "GPU: NVML unavailable (\(sampler.nvmlError ?? "unknown")); sampling through \(path) every \(interval) s"
            )
        }
        return GPUSampling(sampler: sampler, interval: interval)
    }

    func validate() throws {
        if let duration, !(duration > 0) { throw ValidationError("--duration must be a positive number of seconds") }
        let problems = FeaturePlanner.parseHooks(bpfHooks).problems
        if !problems.isEmpty { throw ValidationError(problems.map(\.message).joined(separator: "; ")) }
        // Caught here, before anything is mounted or loaded (libbpf would refuse it at load, exit 3).
        if ringBufferSize < 4096 || ringBufferSize & (ringBufferSize - 1) != 0 {
            throw ValidationError("--ring-buffer-size \(ringBufferSize) must be a power of two of at least 4096 bytes")
        }
        if !(1...4096).contains(argsCap) { throw ValidationError("--args-cap \(argsCap) must be 1 to 4096 bytes") }
        if !bpfHooks.isEmpty && source == .audit {
            throw ValidationError("--bpf-hook applies to the BPF source, not --source audit")
        }
    }

    /// The forced rungs (validated in `validate`).
    var hooks: [String: String] { FeaturePlanner.parseHooks(bpfHooks).hooks }
}
