// SPDX-License-Identifier: Apache-2.0
/// The built-in crypto-mining signatures, embedded so the sensor needs no data file
/// at run time. Origin: Tests/Fixtures/data/mining-signatures.txt (keep the two in
/// step), itself from falcosecurity/rules, rules/falco-sandbox_rules.yaml (lists
/// miner_ports, miner_domains, https_miner_domains, http_miner_domains, miner_binaries)
/// plus miner names seen in public mining scripts that Falco's list misses.
enum MiningSignatureData {
    /// [ports]
    static let poolPorts: Set<UInt16> = [
        25, 3333, 3334, 3335, 3336, 3357, 4444, 5555, 5556, 5588, 5730, 6099, 6666, 7777, 7778, 8000, 8001,
        8008, 8080, 8118, 8333, 8888, 8899, 9332, 9999, 14433, 14444, 45560, 45700,
    ]

    /// [domains], [domains-on-443] and [domains-on-80] together: rigwatch sees pool
    /// host names only in argv, where the port is whatever the miner was given.
    static let poolDomains: Set<String> = [
        "asia1.ethpool.org", "btm.antpool.com", "ca.minexmr.com", "cn.stratum.slushpool.com",
        "dash.antpool.com", "de.minexmr.com", "eth-ar.dwarfpool.com", "eth-asia.dwarfpool.com",
        "eth-asia1.nanopool.org", "eth-au.dwarfpool.com", "eth-au1.nanopool.org", "eth-br.dwarfpool.com",
        "eth-cn.dwarfpool.com", "eth-cn2.dwarfpool.com", "eth-eu.dwarfpool.com", "eth-eu1.nanopool.org",
        "eth-eu2.nanopool.org", "eth-hk.dwarfpool.com", "eth-jp1.nanopool.org", "eth-ru.dwarfpool.com",
        "eth-ru2.dwarfpool.com", "eth-sg.dwarfpool.com", "eth-us-east1.nanopool.org",
        "eth-us-west1.nanopool.org", "eth-us.dwarfpool.com", "eth-us2.dwarfpool.com", "eth.antpool.com",
        "eu.stratum.slushpool.com", "eu1.ethermine.org", "eu1.ethpool.org", "fr.minexmr.com",
        "mine.moneropool.com", "mine.xmrpool.net", "pool.minexmr.com", "pool.monero.hashvault.pro",
        "pool.supportxmr.com", "rx.unmineable.com", "sg.minexmr.com", "sg.stratum.slushpool.com",
        "ss.antpool.com", "stratum-btm.antpool.com", "stratum-dash.antpool.com", "stratum-eth.antpool.com",
        "stratum-ltc.antpool.com", "stratum-xmc.antpool.com", "stratum-zec.antpool.com",
        "stratum.antpool.com", "us-east.stratum.slushpool.com", "us1.ethermine.org", "us1.ethpool.org",
        "us2.ethermine.org", "us2.ethpool.org", "xmc.antpool.com", "xmr-asia1.nanopool.org",
        "xmr-au1.nanopool.org", "xmr-eu1.nanopool.org", "xmr-eu2.nanopool.org", "xmr-jp1.nanopool.org",
        "xmr-us-east1.nanopool.org", "xmr-us-west1.nanopool.org", "xmr.crypto-pool.fr",
        "xmr.pool.minergate.com", "zec.antpool.com",
    ]

    /// [binaries], lowercase (lolMiner, PhoenixMiner, SRBMiner-MULTI are matched case-insensitively).
    static let minerNames: Set<String> = [
        "xmrig", "xmr-stak", "minerd", "minergate", "cpuminer", "ccminer", "ethminer", "cgminer", "bfgminer",
        "sgminer", "claymore", "nbminer", "t-rex", "gminer", "lolminer", "phoenixminer", "teamredminer",
        "nanominer", "bminer", "wildrig", "srbminer", "bzminer", "rigel", "onezerominer", "kawpowminer",
        "miniz", "wildrig-multi", "srbminer-multi", "xmrig-cuda",
    ]

    /// Mining algorithms a miner's `--algo`/`-a` names (lowercase), from the miners'
    /// own documentation (xmrig, T-Rex, lolMiner, GMiner, NBMiner, TeamRedMiner, SRBMiner).
    static let algorithms: Set<String> = [
        "ethash", "etchash", "kawpow", "randomx", "rx/0", "rx/wow", "rx/arq", "autolykos", "autolykos2",
        "cryptonight", "cn/r", "cn/half", "cn-heavy/xhv", "argon2/chukwa", "ghostrider", "octopus", "beamhash",
        "beamhashiii", "equihash", "equihash144_5", "equihash125_4", "zhash", "cuckatoo32", "cuckaroo29",
        "cuckoo", "kheavyhash", "heavyhash", "progpow", "progpowz", "firopow", "zelhash", "blake3", "sha256d",
        "scrypt", "x16r", "x16rv2", "x25x", "mtp", "nexapow", "karlsenhash", "pyrinhash", "dynexsolve",
        "verthash", "ubqhash", "daggerhashimoto", "sha512256d", "fishhash", "xelishash", "meowpow",
    ]

    /// [cmdline-substrings] without `--donate-level` (xmrig's, judged as a miner flag):
    /// stratum URL schemes, matched with any protocol version digit (stratum1+tcp, stratum2+ssl).
    static let stratumTransports: Set<String> = ["tcp", "ssl", "tls"]
}
