/* SPDX-License-Identifier: Apache-2.0 */
/* Test helper: calls setresuid(ruid, euid, suid) with the ids given on the command
 * line (-1 keeps one) and exits with 0 on success or errno on failure. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 4)
		return 100;
	uid_t ids[3];
	for (int i = 0; i < 3; i++)
		ids[i] = (uid_t)strtol(argv[i + 1], NULL, 10);
	if (setresuid(ids[0], ids[1], ids[2]) != 0)
		return errno;
	return 0;
}
