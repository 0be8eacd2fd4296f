/*
 * linux_init.c - /init of the Linux comparison guest's initramfs.
 *
 * Linux only (pagerk starts its benchmarks its own way).  Runs benchmark
 * programs from /bench one after another, each as a child process with the
 * console as stdout, then powers the machine off so QEMU exits.
 *
 * Its arguments are what follows "--" on the kernel command line:
 *
 *	NAME		run /bench/NAME; several run in the order given.  With
 *			no NAME every program in /bench runs, in name order.
 *	key=value	passed to every benchmark (iters=, pages=, only=, ...).
 *	settle_ms=N	also read by init: idle N ms before the first program
 *			(default 1000) so that boot-time deferred work (TSC
 *			recalibration, clocksource switch, kworkers) is done
 *			before anything is timed.
 *
 * Besides the benchmarks' own BENCH and BENCH-FAIL lines it prints
 *
 *	INFO <free text>		kernel release and boot time
 *	BENCH-FAIL <name> <reason>	a program that was missing, could not
 *					start, died of a signal or exited
 *					non-zero (its exit status counts its
 *					failed cases)
 *	BENCH-DONE failures=N		last line, N = programs that failed
 *
 * It mounts nothing unless the kernel left it without a console, in which
 * case it mounts devtmpfs on /dev to open one.  If power-off fails it
 * reboots, and if that fails it exits: with panic=-1 and QEMU's -no-reboot
 * every path ends QEMU.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define INIT_BENCH_DIR	"/bench"
#define INIT_MAX_BENCH	32
#define INIT_MAX_ARGS	64
#define INIT_SETTLE_MS	1000

static char *bench_names[INIT_MAX_BENCH];
static int nbench;
static char *bench_argv[INIT_MAX_ARGS];	/* [0] is the program name */
static int nargs = 1;
static long settle_ms = INIT_SETTLE_MS;

/* Make fds 0-2 the console if the kernel could not open one for us. */
static void console_ensure(void)
{
	int fd;

	if (fcntl(1, F_GETFD) >= 0)
		return;
	mkdir("/dev", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		fd = open("/dev/ttyS0", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

static void info_print(void)
{
	struct utsname u;
	struct timespec ts;

	if (uname(&u) == 0)
		printf("INFO kernel %s %s %s\n", u.sysname, u.release,
		       u.machine);
	clock_gettime(CLOCK_BOOTTIME, &ts);
	printf("INFO init start at uptime %ld.%03ld s\n", (long)ts.tv_sec,
	       ts.tv_nsec / 1000000);
	fflush(stdout);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* With no names given, run every program in INIT_BENCH_DIR in name order. */
static void bench_list_all(void)
{
	struct dirent *de;
	DIR *dir = opendir(INIT_BENCH_DIR);

	if (!dir)
		return;
	while ((de = readdir(dir)) != NULL && nbench < INIT_MAX_BENCH) {
		if (de->d_name[0] == '.')
			continue;
		bench_names[nbench++] = strdup(de->d_name);
	}
	closedir(dir);
	qsort(bench_names, nbench, sizeof(bench_names[0]), name_cmp);
}

static void args_parse(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], "settle_ms=", 10) == 0)
			settle_ms = strtol(argv[i] + 10, NULL, 10);
		if (strchr(argv[i], '=')) {
			if (nargs < INIT_MAX_ARGS - 1)
				bench_argv[nargs++] = argv[i];
		} else if (nbench < INIT_MAX_BENCH) {
			bench_names[nbench++] = argv[i];
		}
	}
	bench_argv[nargs] = NULL;
	if (nbench == 0)
		bench_list_all();
}

/* Run one program to completion; 0 if it exited with status 0. */
static int bench_run(char *name, char **envp)
{
	char path[256];
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s", INIT_BENCH_DIR, name);
	bench_argv[0] = name;
	pid = fork();
	if (pid < 0) {
		printf("BENCH-FAIL %s fork errno=%d\n", name, errno);
		return -1;
	}
	if (pid == 0) {
		execve(path, bench_argv, envp);
		printf("BENCH-FAIL %s exec errno=%d\n", name, errno);
		fflush(stdout);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFSIGNALED(status))
		printf("BENCH-FAIL %s signal=%d\n", name, WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 127)
		printf("BENCH-FAIL %s exit=%d\n", name, WEXITSTATUS(status));
	fflush(stdout);
	return status == 0 ? 0 : -1;
}

static void settle(void)
{
	struct timespec ts = {
		.tv_sec = settle_ms / 1000,
		.tv_nsec = settle_ms % 1000 * 1000000,
	};

	if (settle_ms > 0)
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
}

static void power_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	reboot(RB_AUTOBOOT);
}

int main(int argc, char **argv, char **envp)
{
	int failures = 0;
	int i;

	console_ensure();
	setvbuf(stdout, NULL, _IOLBF, 0);
	info_print();
	args_parse(argc, argv);
	if (nbench == 0) {
		printf("BENCH-FAIL init no-programs-in-" INIT_BENCH_DIR "\n");
		failures++;
	}
	settle();
	for (i = 0; i < nbench; i++)
		if (bench_run(bench_names[i], envp) < 0)
			failures++;
	printf("BENCH-DONE failures=%d\n", failures);
	fflush(stdout);
	power_off();
	return 1;
}
