/* SPDX-License-Identifier: Apache-2.0 */
// zlib (zlib1g-dev), for crc32 in the alert spool; CBPF links it already for libbpf.
#include <zlib.h>
