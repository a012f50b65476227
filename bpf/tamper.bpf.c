// SPDX-License-Identifier: GPL-2.0-only
/* Tamper signals: signals, ptrace and process_vm_readv/writev aimed at the sensor
 * process by anyone else. Signals: tp_btf/signal_generate, else the classic
 * tracepoint of the same event (it carries the target's thread id, matched
 * against self_tids). */
#include "lib/common.h"

char LICENSE[] SEC("license") = "GPL";
#define RW_SIGCHLD	  17
#define RW_SIGWINCH	  28
#define RW_PTRACE_TRACEME 0

/* The sensor's own process id; set by userspace before load (0 = not reported). */
const volatile __u32 self_tgid = 0;

/* Thread ids of the sensor, kept in step by userspace: ptrace targets one thread. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u8);
} self_tids SEC(".maps");

static __always_inline int is_sensor_thread(__u32 tid)
{
	return self_tgid && (tid == self_tgid || bpf_map_lookup_elem(&self_tids, &tid));
}

static __always_inline int from_sensor(void)
{
	return current_tgid() == self_tgid;
}

static __always_inline void emit_tamper(__u32 op, __u32 target, __s64 arg, __s32 result)
{
	struct rw_tamper *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		count_drop();
		return;
	}
	fill_header(&ev->hdr, RW_EVENT_TAMPER, sizeof(*ev), current_task());
	ev->op = op;
	ev->target_pid = target;
	ev->arg = arg;
	ev->result = result;
	ev->reserved = 0;
	bpf_ringbuf_submit(ev, 0); /* rare and urgent: wake the consumer now */
}

SEC("tp_btf/signal_generate")
int BPF_PROG(handle_signal, int sig, struct kernel_siginfo *info, struct task_struct *task, int group, int result)
{
	if (!self_tgid || sig == RW_SIGCHLD || sig == RW_SIGWINCH)
		return 0;
	if (BPF_CORE_READ(task, tgid) != self_tgid || from_sensor())
		return 0;
	emit_tamper(RW_TAMPER_SIGNAL, BPF_CORE_READ(task, pid), sig, result);
	return 0;
}

SEC("tracepoint/signal/signal_generate")
int tp_signal_generate(struct trace_event_raw_signal_generate *ctx)
{
	int sig = ctx->sig;
	if (!self_tgid || sig == RW_SIGCHLD || sig == RW_SIGWINCH)
		return 0;
	if (!is_sensor_thread(ctx->pid) || from_sensor())
		return 0;
	emit_tamper(RW_TAMPER_SIGNAL, ctx->pid, sig, ctx->result);
	return 0;
}
SEC("tracepoint/syscalls/sys_enter_ptrace")
int enter_ptrace(struct trace_event_raw_sys_enter *ctx)
{
	__s64 request = ctx->args[0];
	__u32 target = ctx->args[1];
	if (request == RW_PTRACE_TRACEME || !is_sensor_thread(target) || from_sensor())
		return 0;
	emit_tamper(RW_TAMPER_PTRACE, target, request, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_process_vm_readv")
int enter_process_vm_readv(struct trace_event_raw_sys_enter *ctx)
{
	__u32 target = ctx->args[0];
	if (is_sensor_thread(target) && !from_sensor())
		emit_tamper(RW_TAMPER_VM_READ, target, 0, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_process_vm_writev")
int enter_process_vm_writev(struct trace_event_raw_sys_enter *ctx)
{
	__u32 target = ctx->args[0];
	if (is_sensor_thread(target) && !from_sensor())
		emit_tamper(RW_TAMPER_VM_WRITE, target, 0, 0);
	return 0;
}
