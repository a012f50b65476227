// SPDX-License-Identifier: GPL-2.0-only
/* Tamper signals: signals, ptrace and process_vm_readv/writev aimed at the sensor
 * process by anyone else. Signals: tp_btf/signal_generate, else the classic
 * tracepoint of the same event (it carries the target's thread id). The sensor is
 * whoever userspace put in self_tids (lib/maps.h), not a load-time constant: the
 * programs outlive the sensor (pinned) and serve the next one, whose pid differs. */
#include "lib/tamper.h"

char LICENSE[] SEC("license") = "GPL";
#define RW_SIGCHLD	  17
#define RW_SIGWINCH	  28
#define RW_PTRACE_TRACEME 0

SEC("tp_btf/signal_generate")
int BPF_PROG(handle_signal, int sig, struct kernel_siginfo *info, struct task_struct *task, int group, int result)
{
	if (!rw_gate(ctx, RW_GATE_handle_signal) || sig == RW_SIGCHLD || sig == RW_SIGWINCH)
		return 0;
	if (!is_sensor_thread(BPF_CORE_READ(task, tgid)) || from_sensor())
		return 0;
	emit_tamper(RW_TAMPER_SIGNAL, BPF_CORE_READ(task, pid), sig, result, 0);
	return 0;
}

SEC("tracepoint/signal/signal_generate")
int tp_signal_generate(struct trace_event_raw_signal_generate *ctx)
{
	int sig = ctx->sig;
	if (!rw_gate(ctx, RW_GATE_tp_signal_generate) || sig == RW_SIGCHLD || sig == RW_SIGWINCH)
		return 0;
	if (!is_sensor_thread(ctx->pid) || from_sensor())
		return 0;
	emit_tamper(RW_TAMPER_SIGNAL, ctx->pid, sig, ctx->result, 0);
	return 0;
}
SEC("tracepoint/syscalls/sys_enter_ptrace")
int enter_ptrace(struct trace_event_raw_sys_enter *ctx)
{
	__s64 request = ctx->args[0];
	__u32 target = ctx->args[1];
	if (!rw_gate(ctx, RW_GATE_enter_ptrace))
		return 0;
	if (request == RW_PTRACE_TRACEME || !is_sensor_thread(target) || from_sensor())
		return 0;
	emit_tamper(RW_TAMPER_PTRACE, target, request, 0, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_process_vm_readv")
int enter_process_vm_readv(struct trace_event_raw_sys_enter *ctx)
{
	__u32 target = ctx->args[0];
	if (rw_gate(ctx, RW_GATE_enter_process_vm_readv) && is_sensor_thread(target) && !from_sensor())
		emit_tamper(RW_TAMPER_VM_READ, target, 0, 0, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_process_vm_writev")
int enter_process_vm_writev(struct trace_event_raw_sys_enter *ctx)
{
	__u32 target = ctx->args[0];
	if (rw_gate(ctx, RW_GATE_enter_process_vm_writev) && is_sensor_thread(target) && !from_sensor())
		emit_tamper(RW_TAMPER_VM_WRITE, target, 0, 0, 0);
	return 0;
}
