/* SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0) */
/* rigwatch kernel event ABI: the one definition shared by the BPF program
 * (the bpf/ feature programs) and the Swift consumer (via the CRigwatchABI target).
 *
 * Every record in the ring buffer starts with struct rw_header. `size` is the
 * number of bytes of the whole record, so a reader can validate and skip it.
 * Fixed widths only; fields are ordered so the structs have no hidden padding.
 * Bump RW_ABI_VERSION on any change to a struct or a constant below.
 */
#ifndef RIGWATCH_EVENTS_H
#define RIGWATCH_EVENTS_H

#ifdef __VMLINUX_H__
/* BPF side: vmlinux.h already defines __u8 .. __u64. */
#else
#include <linux/types.h>
#endif

/* 2: file_change, tamper and integrity kinds; 3: pinned state, tamper flags;
 * 4: first_payload and unix_connect kinds; 5: auth kind; 6: enforce kind, policy maps;
 * 7: child profiles in the kernel (policy roles, rw_enforce.stage/child_class) */
#define RW_ABI_VERSION 7

#define RW_COMM_LEN	16
#define RW_FILENAME_LEN 256  /* bprm->filename, NUL-terminated, cut to fit */
#define RW_ARGS_MAX	4096 /* upper bound of the argv capture (power of two) */

/* lineage_uid when the task descends from no watched user. */
#define RW_NO_LINEAGE 0xffffffffu

enum rw_event_kind {
	RW_EVENT_EXEC = 1,
	RW_EVENT_CRED = 2,
	RW_EVENT_FORK = 3,
	RW_EVENT_EXIT = 4,
	RW_EVENT_CONNECT = 5,
	RW_EVENT_FILE_CHANGE = 6,
	RW_EVENT_TAMPER = 7,
	RW_EVENT_FIRST_PAYLOAD = 8,
	RW_EVENT_UNIX_CONNECT = 9,
	RW_EVENT_ENFORCE = 10,
	/* Kinds below are written by userspace into traces, never by the BPF program. */
	RW_EVENT_DROPS = 64,
	RW_EVENT_NET_BYTES = 65,
	RW_EVENT_GPU_SAMPLE = 66,
	RW_EVENT_INTEGRITY = 67,
	RW_EVENT_AUTH = 68,
};

struct rw_header {
	__u16 kind;	    /* enum rw_event_kind */
	__u16 size;	    /* bytes in the whole record, header included */
	__u32 abi_version;  /* RW_ABI_VERSION of the program that wrote it */
	__u64 timestamp_ns; /* bpf_ktime_get_boot_ns(): CLOCK_BOOTTIME */
	__u32 pid;	    /* thread id */
	__u32 tgid;	    /* process id */
	__u32 ppid;	    /* tgid of real_parent */
	__u32 uid;
	__u32 euid;
	__u32 gid;
	__u32 egid;
	__u32 lineage_uid; /* watched uid this task descends from, or RW_NO_LINEAGE */
	__u64 cgroup_id;
	char comm[RW_COMM_LEN];
};

/* flags of struct rw_exec */
#define RW_EXEC_SETUID	    (1u << 0) /* euid != uid after exec (setuid binary) */
#define RW_EXEC_SETGID	    (1u << 1) /* egid != gid after exec */
#define RW_EXEC_ARGS_TRUNC  (1u << 2) /* argv longer than the capture */
#define RW_EXEC_ARGS_FAULT  (1u << 3) /* argv could not be read */
#define RW_EXEC_FNAME_TRUNC (1u << 4) /* filename cut to RW_FILENAME_LEN - 1 */
#define RW_EXEC_SCRIPT	    (1u << 5) /* run by an interpreter (#!, binfmt_misc): argv starts with it, not argv[0] */

/* Variable size: `args` holds args_len bytes, argv strings each NUL-terminated
 * as the kernel laid them out; size == offsetof(struct rw_exec, args) + args_len. */
struct rw_exec {
	struct rw_header hdr;
	__u32 loginuid; /* audit login uid, 0xffffffff when unset */
	__u32 flags;	/* RW_EXEC_* */
	__u32 argc;	/* bprm->argc: the true count, even when truncated */
	__u32 args_len; /* bytes captured in args */
	__u32 old_pid;	/* pid before exec (differs when a thread execs) */
	__u32 reserved;
	char filename[RW_FILENAME_LEN];
	char args[RW_ARGS_MAX];
};

enum rw_cred_syscall {
	RW_SYS_SETUID = 1,
	RW_SYS_SETREUID = 2,
	RW_SYS_SETRESUID = 3,
	RW_SYS_SETFSUID = 4,
	RW_SYS_SETGID = 5,
	RW_SYS_SETREGID = 6,
	RW_SYS_SETRESGID = 7,
	RW_SYS_SETFSGID = 8,
};

/* Ids of a task at one instant. */
struct rw_ids {
	__u32 uid, euid, suid, fsuid;
	__u32 gid, egid, sgid, fsgid;
};

/* One credential syscall, emitted at exit when it failed or changed an id.
 * The header carries the ids after the call. Unused requested ids are 0xffffffff
 * (which is also what "leave unchanged" means for setre*id and setres*id). */
struct rw_cred {
	struct rw_header hdr;
	__u32 syscall;	    /* enum rw_cred_syscall */
	__s32 ret;	    /* syscall return value (for setfs*id: the previous id) */
	__u32 requested[3]; /* arguments as passed */
	__u32 reserved;
	struct rw_ids before;
	struct rw_ids after;
};

/* A new process (not a thread). The header describes the parent. */
struct rw_fork {
	struct rw_header hdr;
	__u32 child_pid;
	__u32 child_tgid;
};

/* A process ended (its thread group leader exited). */
struct rw_exit {
	struct rw_header hdr;
	__s32 exit_code; /* exit status (0..255), or -1 when killed by a signal */
	__u32 signal;	 /* terminating signal, 0 when it exited */
};

/* The kernel's lost-event counter went up (userspace, from the drops map). The
 * header carries only the timestamp (CLOCK_BOOTTIME at the read); ids are 0. */
struct rw_drops {
	struct rw_header hdr;
	__u64 lost;  /* newly lost since the previous drops event */
	__u64 total; /* lost since the sensor loaded */
};

/* Address families and protocols, as the kernel numbers them. */
#define RW_AF_INET     2
#define RW_AF_INET6    10
#define RW_IPPROTO_TCP 6
#define RW_IPPROTO_UDP 17

/* An outbound TCP connect, reported when the socket leaves SYN_SENT (established or
 * failed), so the local port is bound; the header is the task that connected, the
 * timestamp the moment it left SYN_SENT. Loopback is never reported.
 * Addresses are in network byte order; an IPv4 address fills the first 4 bytes. */
struct rw_connect {
	struct rw_header hdr;
	__u16 family;	/* RW_AF_INET or RW_AF_INET6 */
	__u16 protocol; /* RW_IPPROTO_TCP */
	__u16 sport;	/* host byte order */
	__u16 dport;	/* host byte order */
	__u8 saddr[16];
	__u8 daddr[16];
};

/* The first bytes a process sent on a new outbound TCP connection: once per
 * connection, on its first send(2)-family or write(2) call with data after the
 * socket left SYN_SENT established, within RW_PAYLOAD_TTL_NS. The header is the
 * sender; the addresses are the socket's then (network byte order, IPv4 in the
 * first 4 bytes). Loopback is never reported. Userspace matches protocols in it
 * (stratum), so the kernel never parses. */
#define RW_PAYLOAD_PREFIX 256 /* bytes captured at most (power of two): a login with a wallet and its agent */
#define RW_PAYLOAD_TTL_NS 10000000000ull /* how long after the connect a first send is looked for */

/* flags of struct rw_first_payload */
#define RW_PAYLOAD_FAULT (1u << 0) /* the sender's buffer could not be read: len is 0 */

struct rw_first_payload {
	struct rw_header hdr;
	__u16 family;	/* RW_AF_INET or RW_AF_INET6 */
	__u16 protocol; /* RW_IPPROTO_TCP */
	__u16 sport;	/* host byte order */
	__u16 dport;	/* host byte order */
	__u8 saddr[16];
	__u8 daddr[16];
	__u32 len;	/* bytes captured in data (<= RW_PAYLOAD_PREFIX) */
	__u32 send_len; /* bytes that call offered (its first buffer), capped at 0xffffffff */
	__u32 flags;	/* RW_PAYLOAD_* */
	__u32 reserved;
	__u8 data[RW_PAYLOAD_PREFIX]; /* zero after len */
};

/* A connect(2) of an AF_UNIX stream socket to a filesystem path by a task of a
 * watched lineage (only those: abstract names are not reported), at syscall exit.
 * `peer` is the name the listener bound, read from the connected socket (empty
 * when the connect failed): it names the runtime's socket even when the path the
 * caller gave was relative or went through a symlink. Both NUL-terminated. */
#define RW_UNIX_PATH_LEN 112 /* sun_path (108) and a NUL, rounded up */

struct rw_unix_connect {
	struct rw_header hdr;
	__s32 ret; /* connect's return value: 0 done, < 0 -errno */
	__u32 reserved;
	char path[RW_UNIX_PATH_LEN]; /* sun_path as the caller gave it */
	char peer[RW_UNIX_PATH_LEN]; /* the listener's bound path */
};

/* In-kernel byte accounting: the key and value of the `net_bytes` LRU hash, summed
 * per (process, destination, port, protocol) by whichever bytes-sent hook this kernel
 * offers. Userspace reads and deletes entries on an interval and turns each into an
 * rw_net_bytes record. Map-only structs: they never appear in traces. */
struct rw_net_key {
	__u32 tgid;
	__u16 family;
	__u16 protocol;
	__u16 dport; /* host byte order; 0 when the destination is unknown */
	__u16 pad;
	__u8 daddr[16];
};

struct rw_net_value {
	__u64 bytes;
	__u64 sends;
	__u64 first_ns;
	__u64 last_ns;
	__u64 cgroup_id;
	__u32 uid;
	__u32 euid;
	__u32 gid;
	__u32 egid;
	__u32 lineage_uid;
	__u32 pid; /* thread id of the first send */
	__u32 ppid;
	__u32 reserved;
	char comm[RW_COMM_LEN];
};

/* One entry of the byte map at a snapshot (userspace). The header is the sender
 * (tgid, uid, lineage, cgroup, comm at its last send) and the time of the read. */
struct rw_net_bytes {
	struct rw_header hdr;
	__u16 family;
	__u16 protocol;
	__u16 dport;
	__u16 reserved;
	__u8 daddr[16];
	__u64 bytes;	/* sent since the previous snapshot */
	__u64 sends;	/* send calls counted */
	__u64 first_ns; /* first and last send in the interval (boot clock) */
	__u64 last_ns;
};

/* One GPU at one instant (userspace: NVML, or nvidia-smi as a fallback). The
 * header carries only the sample time (boot clock). Variable size: procs holds
 * nprocs entries; size == offsetof(struct rw_gpu_sample, procs) + nprocs * 16. */
#define RW_GPU_MAX_PROCS 32
#define RW_GPU_UUID_LEN	 48

/* The GPU compute process entry of a sample. */
struct rw_gpu_process {
	__u32 pid;
	__u32 reserved;
	__u64 used_memory_bytes;
};

/* flags of struct rw_gpu_sample */
#define RW_GPU_FROM_NVML       (1u << 0)
#define RW_GPU_FROM_NVIDIA_SMI (1u << 1)
#define RW_GPU_PROCS_TRUNC     (1u << 2) /* more compute processes than RW_GPU_MAX_PROCS */

struct rw_gpu_sample {
	struct rw_header hdr;
	__u32 gpu_index;
	__u32 flags;	   /* RW_GPU_* */
	__u32 util_gpu;	   /* percent, 0-100 */
	__u32 util_memory; /* percent, 0-100 */
	__u32 temperature_c;
	__u32 power_mw;
	__u64 memory_used_bytes;
	__u64 memory_total_bytes;
	__u32 nprocs;
	__u32 reserved;
	char uuid[RW_GPU_UUID_LEN]; /* NUL-padded */
	struct rw_gpu_process procs[RW_GPU_MAX_PROCS];
};

/* File-change monitoring: a watched path is an absolute path without a trailing
 * slash; a file matches it when the file's path equals it or lies below it. The
 * `file_watch` array map holds them (len 0 = unused slot); userspace fills it. */
#define RW_PATH_LEN	  256
#define RW_FILE_WATCH_MAX 32
#define RW_FILE_WATCH_LEN 128

struct rw_file_watch {
	__u32 len;		      /* bytes of path, without NUL; 0 = unused */
	char path[RW_FILE_WATCH_LEN]; /* NUL-padded */
};

enum rw_file_op {
	RW_FILE_OPEN_WRITE = 1, /* open/openat/openat2/creat with write, create or truncate intent */
	RW_FILE_RENAME = 2,	/* rename/renameat/renameat2: path -> path2 */
	RW_FILE_UNLINK = 3,	/* unlink/unlinkat/rmdir */
	RW_FILE_LINK = 4,	/* link/linkat/symlink/symlinkat: path2 is the new name */
};

/* flags of struct rw_file_change */
#define RW_FILE_PATH_TRUNC  (1u << 0) /* path cut to RW_PATH_LEN - 1 */
#define RW_FILE_PATH2_TRUNC (1u << 1)
#define RW_FILE_FROM_STRING \
	(1u << 2) /* path built from the syscall's string (rename, unlink,
				         * link), not from the opened file: symlinks not resolved */
#define RW_FILE_NONCANONICAL \
	(1u << 3) /* that string has "." / ".." / "//" parts: userspace
				         * normalises it and matches again */

/* A change to a watched path, reported when the syscall returns. Paths are as the
 * writer's root sees them (its chroot and mount namespace). The header is the writer. */
struct rw_file_change {
	struct rw_header hdr;
	__u32 op;	  /* enum rw_file_op */
	__u32 flags;	  /* RW_FILE_* */
	__u32 open_flags; /* open(2) flags (OPEN_WRITE), renameat2 flags (RENAME), else 0 */
	__s32 ret;	  /* syscall return value: >= 0 done, < 0 -errno */
	__u32 mntns;	  /* mount namespace inode number of the writer */
	__u32 reserved;
	char path[RW_PATH_LEN];
	char path2[RW_PATH_LEN]; /* RENAME / LINK: the new name; else empty */
};

enum rw_tamper_op {
	RW_TAMPER_SIGNAL = 1,	/* a signal generated for the sensor by another process */
	RW_TAMPER_PTRACE = 2,	/* ptrace(2) aimed at one of the sensor's threads */
	RW_TAMPER_VM_READ = 3,	/* process_vm_readv(2) of the sensor */
	RW_TAMPER_VM_WRITE = 4, /* process_vm_writev(2) into the sensor */
};

/* flags of struct rw_tamper */
#define RW_TAMPER_DENIED (1u << 0) /* refused by the sensor's BPF-LSM program: it did not happen */

/* Someone acted on the sensor process. The header is the actor. SIGCHLD and
 * SIGWINCH are not reported (children ending, terminal resizes). */
struct rw_tamper {
	struct rw_header hdr;
	__u32 op;	  /* enum rw_tamper_op */
	__u32 target_pid; /* the sensor thread aimed at */
	__s64 arg;	  /* SIGNAL: signal number; PTRACE: request (denied: the PTRACE_MODE_* mode); else 0 */
	__s32 result;	  /* SIGNAL: the kernel's TRACE_SIGNAL_* result; else 0 */
	__u32 flags;	  /* RW_TAMPER_* (0 in ABI versions before 3) */
};

enum rw_integrity_problem {
	RW_INTEGRITY_LINK_DETACHED = 1, /* one of the sensor's BPF links no longer attached */
	RW_INTEGRITY_MAP_ALTERED = 2,	/* a control map's contents differ from what the sensor wrote */
};

/* The sensor's periodic self-check found its kernel side changed by someone else
 * (userspace). The header carries only the time of the check. */
struct rw_integrity {
	struct rw_header hdr;
	__u32 problem;	/* enum rw_integrity_problem */
	__u32 expected; /* entries the map should hold (MAP_ALTERED) */
	__u32 found;	/* entries it holds */
	__u32 reserved;
	char name[64]; /* program or map name, NUL-padded */
};

/* One PAM (or sshd, login) audit record, read by userspace from the audit
 * multicast group. The header carries the time, pid (= tgid) and uid of the
 * process that wrote it. The strings are NUL-padded; one that fills its field
 * keeps no NUL (cut to fit). */
#define RW_AUTH_OP_LEN	     32
#define RW_AUTH_ACCT_LEN     64
#define RW_AUTH_EXE_LEN	     128
#define RW_AUTH_HOSTNAME_LEN 128
#define RW_AUTH_ADDR_LEN     64
#define RW_AUTH_TERMINAL_LEN 64

struct rw_auth {
	struct rw_header hdr;
	__u32 auid;	   /* login uid, 0xffffffff when unset */
	__u32 ses;	   /* session id, 0xffffffff when unset */
	__u16 record_type; /* audit message type: 1100 USER_AUTH ... 1199 */
	__u16 success;	   /* 1: res=success, 0: res=failed */
	__u32 reserved;
	char op[RW_AUTH_OP_LEN];
	char acct[RW_AUTH_ACCT_LEN];
	char exe[RW_AUTH_EXE_LEN];
	char hostname[RW_AUTH_HOSTNAME_LEN];
	char addr[RW_AUTH_ADDR_LEN];
	char terminal[RW_AUTH_TERMINAL_LEN];
};

/* Kernel state kept across sensor restarts: the maps and links pinned in bpffs
 * (Sources/CBPF/rw_pin.c). The one value of the `pin_state` array map describes
 * the pinned set; userspace writes it, the programs read the two generation fields
 * (the handover gate, bpf/lib/handover.h). A set whose abi_version is not this
 * build's is replaced, never adopted. */
struct rw_pin_state {
	__u32 abi_version;	 /* RW_ABI_VERSION of the build that pinned the set */
	__u32 generation;	 /* the program set whose links are pinned (links-<generation>) */
	__u32 active_generation; /* programs of this generation record; 0 = all (nothing pinned) */
	__u32 paired_generation; /* during a handover: the newer generation, which follows the
				  * older one's decision on the same invocation (gate slots) */
	__u64 fingerprint;	 /* object, programs and load-time settings of that generation */
	__u64 reported_drops;	 /* the drops counter as the sensors last reported it */
	__u32 owner_tgid;	 /* the sensor using the set now; 0 = none */
	__u32 reserved;
	__u64 owner_start; /* its start time (/proc/PID/stat field 22), against pid reuse */
};

/* What a program of the older generation decided for one invocation, per CPU and
 * program (enum rw_gate_id), so the newer one makes the opposite decision. */
#define RW_GATE_SLOTS 64

struct rw_gate_slot {
	__u64 ctx;  /* the invocation's context pointer */
	__u64 task; /* the current task */
	__u32 generation;
	__u32 handled; /* 1: that program recorded this invocation */
};

/* The whitelist in the kernel (bpf/lib/policy_match.h), compiled by userspace
 * (Core's KernelPolicy) from the rules the userspace matcher holds, so both give one
 * verdict. Two halves: a reload writes the idle half, then flips
 * rw_enforce_config.half, so a decision never sees two policies. Rule and glob
 * indices are global: half * RW_POLICY_RULES_MAX + the rule's index in its user's
 * list, so within one user a higher index is a later rule (last match wins). */
#define RW_POLICY_RULES_MAX    1024 /* per half, every watched user together */
#define RW_POLICY_GLOBS_MAX    256  /* distinct compiled patterns per half (arguments, command globs) */
#define RW_POLICY_LIST_MAX     32   /* rules one exact path or directory names */
#define RW_POLICY_SET_GLOBS    64   /* command-glob rules per user */
#define RW_POLICY_ALIASES      8    /* merged-/usr prefix pairs */
#define RW_POLICY_ALIAS_LEN    16
#define RW_POLICY_PROFILES_MAX 32  /* child profiles the kernel judges (a bit each in the entry's state) */
#define RW_GLOB_STATES	       256 /* NFA states: the start and one per pattern atom */
#define RW_GLOB_WORDS	       (RW_GLOB_STATES / 64)
#define RW_GLOB_CLASSES	       64 /* bytes the pattern tells apart, at most */

enum rw_policy_args {
	RW_POLICY_ARGS_ANY = 0,	    /* the rule names no arguments */
	RW_POLICY_ARGS_NONE = 1,    /* "" : no arguments at all */
	RW_POLICY_ARGS_PATTERN = 2, /* fnmatch over argv[1..] joined by spaces */
};

struct rw_policy_rule {
	__u8 args;	  /* enum rw_policy_args */
	__u8 negated;	  /* !cmd */
	__u8 undecidable; /* a pattern too long for the kernel: a verdict it may decide is userspace's */
	__u8 reserved;
	__s32 args_glob;    /* policy_globs index of the argument pattern, or -1 */
	__s32 command_glob; /* policy_globs index of a command glob, or -1 (exact path, directory, ALL) */
	__u32 reserved2;
};

/* A glob compiled to a bit-parallel NFA (Shift-And): state 0 is the start, state i
 * "atoms 1..i matched". On byte b: D' = ((D << 1) & accept[class[b]]) | (D & star),
 * star states kept only on a byte '*' may cross. The pattern matches when
 * final_state is set after the last byte. Atoms are bytes, '?' and bracket
 * expressions, their sets computed by userspace with the matcher's own bracket
 * parser; bytes every atom treats alike share a class. */
struct rw_policy_glob {
	__u8 byte_class[256];
	__u64 accept[RW_GLOB_CLASSES][RW_GLOB_WORDS]; /* bit i of class c: atom i matches its bytes */
	__u64 star[RW_GLOB_WORDS];		      /* bit i: a '*' follows atom i (0: leads the pattern) */
	__u32 final_state;			      /* the number of atoms */
	__u32 pathname;				      /* FNM_PATHNAME: nothing matches '/' but '/' */
};

/* An exact command path, or a directory with its trailing '/', of one user's set.
 * Bytes after len are zero (it is a hash key). */
struct rw_policy_key {
	__u32 set; /* half << 16 | the user's set number */
	__u32 len;
	char path[RW_FILENAME_LEN];
};

struct rw_policy_list {
	__u32 count;
	__u32 overflow;			 /* more rules than fit: what this key decides is userspace's */
	__u32 rules[RW_POLICY_LIST_MAX]; /* global rule indices, highest first */
};

/* One watched user's whitelist (policy_sets, keyed by struct rw_policy_user). */
struct rw_policy_set {
	__u32 set;			  /* key space in policy_paths */
	__s32 all_rule;			  /* the highest ALL rule, or -1 */
	__u32 glob_count;		  /* entries in globs */
	__u32 overflow;			  /* more command globs than fit: every verdict of this user is userspace's */
	__u32 globs[RW_POLICY_SET_GLOBS]; /* command-glob rules, highest first */
};

/* What a rule set is for. The kernel judges a covered child (below an allowed
 * entry) with the same matcher: its path class from two sets (system and writable
 * directories; shell and interpreter names), then the allow lists of the child
 * profiles whose command matched the entry. */
enum rw_policy_role {
	RW_POLICY_ROLE_USER = 0,	  /* uid: a watched user's whitelist */
	RW_POLICY_ROLE_PROFILED = 1,	  /* every profile's command, arguments aside: may any apply? */
	RW_POLICY_ROLE_PROFILE_ENTRY = 2, /* uid: profile number; its command */
	RW_POLICY_ROLE_PROFILE_ALLOW = 3, /* uid: profile number; what it lets a covered entry start */
	RW_POLICY_ROLE_PATH_CLASS = 4,	  /* system directories allowed, writable ones negated (they win) */
	RW_POLICY_ROLE_NAME_CLASS = 5,	  /* shells and interpreters, matched on "/" + the file name */
};

struct rw_policy_user {
	__u32 half;
	__u32 uid;  /* the watched user, or the profile number of a profile role */
	__u32 role; /* enum rw_policy_role */
};

/* A path prefix sudo treats as another (/bin/ is /usr/bin/ on merged-/usr hosts). */
struct rw_policy_alias {
	__u32 alias_len; /* 0: unused slot */
	__u32 target_len;
	char alias[RW_POLICY_ALIAS_LEN];
	char target[RW_POLICY_ALIAS_LEN];
};

enum rw_policy_verdict {
	RW_VERDICT_ALLOWED = 1,
	RW_VERDICT_DENIED = 2,	  /* by a negated rule, or by no rule (rule -1) */
	RW_VERDICT_UNDECIDED = 3, /* an undecidable rule could decide: the kernel lets it run */
};

enum rw_enforce_mode {
	RW_ENFORCE_OFF = 0,
	RW_ENFORCE_AUDIT = 1, /* decide and report what deny would refuse */
	RW_ENFORCE_DENY = 2,
};

/* The one value of the enforce_config array map, written by userspace. */
struct rw_enforce_config {
	__u32 mode; /* enum rw_enforce_mode */
	__u32 half; /* the policy half decisions read */
};

enum rw_enforce_action {
	RW_ENFORCE_KILLED = 1,	   /* deny without BPF-LSM: SIGKILL before the new image ran */
	RW_ENFORCE_REFUSED = 2,	   /* deny with BPF-LSM: execve failed with EPERM */
	RW_ENFORCE_WOULD_DENY = 3, /* audit mode: deny would have refused it */
	RW_ENFORCE_UNDECIDED = 4,  /* the kernel could not decide (undecidable rule); it ran */
};

/* What was judged: an entry against the whitelist, or a covered child against the
 * child profiles of the entry above it. */
enum rw_enforce_stage {
	RW_ENFORCE_ENTRY = 1,
	RW_ENFORCE_CHILD = 2,
};

/* Why a covered child needs a profile (RootChildClass in Core). */
enum rw_child_class {
	RW_CHILD_ORDINARY = 0, /* a system program: it may run */
	RW_CHILD_WRITABLE = 1, /* a writable or relative path: never allowed */
	RW_CHILD_NAMED = 2,    /* a shell or an interpreter */
	RW_CHILD_OUTSIDE = 3,  /* not under a system directory */
};

/* A privileged exec of a watched lineage the in-kernel policy did not allow.
 * Variable size, like rw_exec: size == offsetof(struct rw_enforce, args) + args_len. */
struct rw_enforce {
	struct rw_header hdr;
	__u32 action;	   /* enum rw_enforce_action */
	__s32 rule;	   /* global index of the negated rule that denied, or -1 (no rule) */
	__u32 argc;	   /* as in rw_exec */
	__u32 args_len;	   /* bytes in args */
	__u32 flags;	   /* RW_EXEC_* of the exec */
	__u32 half;	   /* the policy half that decided */
	__u32 stage;	   /* enum rw_enforce_stage */
	__u32 child_class; /* enum rw_child_class of a child; 0 for an entry */
	char filename[RW_FILENAME_LEN];
	char args[RW_ARGS_MAX];
};

#endif /* RIGWATCH_EVENTS_H */
