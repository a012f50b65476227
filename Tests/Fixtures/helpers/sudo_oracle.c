/* SPDX-License-Identifier: Apache-2.0 */
/* Test helper for the sudo differential test: asks the real sudo, for each
 * command line read from stdin, whether USER may run it as root
 * (`sudo -n -l -U USER cmd args...`), and prints one character per line:
 * '1' allowed, '0' denied. Input: one command line per '\n'-terminated record,
 * arguments separated by '\0'. Usage: sudo_oracle USER < requests */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int devnull = open("/dev/null", O_RDWR);
	while ((len = getdelim(&line, &cap, '\n', stdin)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		char *args[512];
		int n = 0;
		args[n++] = "/usr/bin/sudo";
		args[n++] = "-n";
		args[n++] = "-l";
		args[n++] = "-U";
		args[n++] = argv[1];
		for (char *p = line; p < line + len + 1 && n < 510; p += strlen(p) + 1)
			args[n++] = p;
		args[n] = NULL;
		pid_t pid = fork();
		if (pid == 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
			dup2(devnull, 2);
			execv(args[0], args);
			_exit(127);
		}
		int status = 0;
		waitpid(pid, &status, 0);
		putchar(WIFEXITED(status) && WEXITSTATUS(status) == 0 ? '1' : '0');
		putchar('\n');
	}
	free(line);
	return 0;
}
