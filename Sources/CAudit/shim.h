/* SPDX-License-Identifier: Apache-2.0 */
/* libaudit (libaudit-dev) for the audit event source: rules, status, audit pid. */
#include <libaudit.h>
#include <linux/audit.h>
#include <linux/netlink.h>

/* libaudit exports, not in its header: a key may only be added to a rule once a
 * syscall is (auditctl sets this flag itself after -S). */
extern int _audit_syscalladded;
