/// Data for correlating network activity with crypto-mining.
/// Origin: Tests/Fixtures/data/mining-signatures.txt, section [ports], itself from
/// falcosecurity/rules (rules/falco-sandbox_rules.yaml, list miner_ports). Keep the
/// two in step; several of these ports (25, 8080, 8888) also carry ordinary traffic,
/// so a contact alone is a hint for correlation, never an alert.
public enum MiningSignatures {
    public static let poolPorts: Set<UInt16> = [
        25, 3333, 3334, 3335, 3336, 3357, 4444, 5555, 5556, 5588, 5730, 6099, 6666, 7777, 7778,
        8000, 8001, 8008, 8080, 8118, 8333, 8888, 8899, 9332, 9999, 14433, 14444, 45560, 45700,
    ]
}
