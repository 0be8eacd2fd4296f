/*
 * shell.c - the console shell.
 *
 * Prompt: "pagerk> " (stable; tests wait for it).  A line is split into
 * words on blanks; the first names a command from the table below.  In
 * script mode (init --cmd) the commands come from the script, separated by
 * ';' or newlines, each echoed after the prompt, and the shell halts at the
 * end: status 0 only if every command succeeded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ipc/usys.h>
#include "init.h"

#define PROMPT		"pagerk> "
#define LINE_MAX	512
#define ARGS_MAX	32

static uint64_t proc_h;
static char reply_buf[IPC_BUF_MAX + 1];

struct command {
	const char *name;
	const char *help;
	int (*fn)(int argc, char **argv);
};

static const struct command commands[];

/* Prints the text a reply (its tag: rtag) left in reply_buf. */
static int print_reply_text(uint64_t rtag)
{
	unsigned n = IPC_TAG_BUFLEN(rtag);

	reply_buf[n] = 0;
	fputs(reply_buf, stdout);
	return 0;
}

static int cmd_help(int argc, char **argv);

static int cmd_echo(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		printf("%s%s", argv[i], i + 1 < argc ? " " : "");
	printf("\n");
	return 0;
}

static int cmd_ps(int argc, char **argv)
{
	uint64_t rtag;
	long err = proc_req_ps(proc_h, &rtag);

	if (err) {
		printf("ps: error %ld\n", err);
		return 1;
	}
	return print_reply_text(rtag);
}

static int mm_info(unsigned kind)
{
	struct mm_info_rep rp;
	uint64_t rtag;
	long err = mm_req_info(INIT_H_MM_PROC,
			       &(struct mm_info_req){ .kind = kind }, &rp,
			       &rtag);

	if (err) {
		printf("mm: error %ld\n", err);
		return 1;
	}
	return print_reply_text(rtag);
}

static int cmd_meminfo(int argc, char **argv) { return mm_info(MM_INFO_MEMINFO); }
static int cmd_vmstat(int argc, char **argv) { return mm_info(MM_INFO_VMSTAT); }
static int cmd_buddyinfo(int argc, char **argv) { return mm_info(MM_INFO_BUDDYINFO); }
static int cmd_slabinfo(int argc, char **argv) { return mm_info(MM_INFO_SLABINFO); }

static int cmd_mmcheck(int argc, char **argv)
{
	long err = mm_req_check(INIT_H_MM_PROC);

	printf("mmcheck: %s\n", err ? "FAILED" : "ok");
	return err != 0;
}

static const char *signame(int sig)
{
	static const char *const names[] = {
		[1] = "SIGHUP", [2] = "SIGINT", [4] = "SIGILL", [5] = "SIGTRAP",
		[6] = "SIGABRT", [7] = "SIGBUS", [8] = "SIGFPE",
		[9] = "SIGKILL", [11] = "SIGSEGV", [15] = "SIGTERM",
	};

	return sig > 0 && sig < 16 && names[sig] ? names[sig] : "signal";
}

static int report_status(const char *name, int status);

static int cmd_run(int argc, char **argv)
{
	char buf[LINE_MAX + 2];
	struct proc_spawn_rep sp;
	struct proc_wait_rep wp;
	size_t n = 0;
	long err;
	bool background = argc > 2 && !strcmp(argv[argc - 1], "&");
	const char *pager = NULL;

	if (background)
		argv[--argc] = NULL;
	if (argc > 3 && !strcmp(argv[1], "--pager")) {
		pager = argv[2];	/* "NAME[,OPT...]": it serves NAME */
		argv += 2;
		argc -= 2;
	}
	if (argc < 2) {
		printf("usage: run [--pager PAGER] NAME [ARGS...] [&]\n");
		return 1;
	}
	if (pager) {
		n = strlen(pager) + 1;
		memcpy(buf, pager, n);
	}
	for (int i = 1; i < argc; i++) {
		size_t l = strlen(argv[i]) + 1;

		memcpy(buf + n, argv[i], l);
		n += l;
	}
	buf[n++] = 0;
	err = proc_req_spawn(proc_h, &(struct proc_spawn_req){
				.flags = pager ? PROC_SPAWN_PAGER : 0 }, buf,
			     (unsigned)n, &sp);
	if (err) {
		printf("run: %s: %s\n", argv[1], strerror((int)-err));
		return 1;
	}
	if (background) {		/* `wait` collects it */
		printf("[%lu] %s\n", (unsigned long)sp.pid, argv[1]);
		return 0;
	}
	err = proc_req_wait(proc_h, &(struct proc_wait_req){
				.pid = (int64_t)sp.pid, .options = 0 }, &wp);
	if (err) {
		printf("run: wait: %s\n", strerror((int)-err));
		return 1;
	}
	return report_status(argv[1], (int)wp.wstatus);
}

/* wait [PID]: collect a background program (any, without PID). */
static int cmd_wait(int argc, char **argv)
{
	struct proc_wait_rep wp;
	char name[16];
	long err = proc_req_wait(proc_h, &(struct proc_wait_req){
			.pid = argc > 1 ? strtol(argv[1], NULL, 10) : -1,
			.options = 0 }, &wp);

	if (err) {
		printf("wait: %s\n", strerror((int)-err));
		return 1;
	}
	snprintf(name, sizeof(name), "[%lu]", (unsigned long)wp.pid);
	printf("%s done\n", name);
	return report_status(name, (int)wp.wstatus);
}

/* Say how a program ended; 0 if it exited with status 0. */
static int report_status(const char *name, int status)
{
	if (status & 0x7f) {
		printf("run: %s: killed by %s (%d)\n", name,
		       signame(status & 0x7f), status & 0x7f);
		return 1;
	}
	if (status >> 8) {
		printf("run: %s: exit status %d\n", name, status >> 8);
		return 1;
	}
	return 0;
}

static int cmd_kill(int argc, char **argv)
{
	struct proc_kill_req rq;
	long err;

	if (argc < 2) {
		printf("usage: kill PID [SIGNAL]\n");
		return 1;
	}
	rq.pid = (int64_t)strtoul(argv[1], NULL, 10);
	rq.signal = argc > 2 ? strtoul(argv[2], NULL, 10) : 9;
	err = proc_req_kill(proc_h, &rq);
	if (err)
		printf("kill: %s\n", strerror((int)-err));
	return err != 0;
}

static int cmd_halt(int argc, char **argv)
{
	struct proc_halt_req rq = {
		.code = argc > 1 ? strtoul(argv[1], NULL, 0) : 0 };

	fflush(stdout);
	proc_req_halt(proc_h, &rq);
	printf("halt: refused\n");
	return 1;
}

static int cmd_oom_adj(int argc, char **argv)
{
	struct ipc_msg m = { 0 };
	long err;

	if (argc != 3) {
		printf("usage: oom_score_adj PID VALUE (-1000..1000)\n");
		return 1;
	}
	m.w[0] = strtoul(argv[1], NULL, 10);
	m.w[1] = (uint64_t)strtol(argv[2], NULL, 10);
	err = ipc_request(proc_h, PROC_OOM_ADJ, 2, &m, NULL, 0);
	if (err)
		printf("oom_score_adj: %s\n", strerror((int)-err));
	return err != 0;
}

static int cmd_ls(int argc, char **argv) { return shell_ls(proc_h, reply_buf, argc, argv); }
static int cmd_cat(int argc, char **argv) { return shell_cat(proc_h, reply_buf, argc, argv); }
static int cmd_sync(int argc, char **argv) { return shell_sync(proc_h); }

static const struct command commands[] = {
	{ "help", "list commands", cmd_help },
	{ "echo", "echo ARGS: print the arguments", cmd_echo },
	{ "ps", "list processes: pid, parent, state, RSS, swap, pager",
	  cmd_ps },
	{ "run", "run [--pager P] NAME [ARGS] [&]: start a boot-module "
	  "program (served by pager P), wait",
	  cmd_run },
	{ "wait", "wait [PID]: collect a program started with run ... &",
	  cmd_wait },
	{ "kill", "kill PID [SIG]: send a signal (default SIGKILL)", cmd_kill },
	{ "meminfo", "memory summary (/proc/meminfo layout)", cmd_meminfo },
	{ "vmstat", "event counters (/proc/vmstat layout)", cmd_vmstat },
	{ "buddyinfo", "free blocks per order (/proc/buddyinfo)",
	  cmd_buddyinfo },
	{ "slabinfo", "slab caches (/proc/slabinfo)", cmd_slabinfo },
	{ "mmcheck", "validate mm's data structures", cmd_mmcheck },
	{ "oom_score_adj", "oom_score_adj PID VALUE: OOM-kill preference",
	  cmd_oom_adj },
	{ "ls", "ls [PATH...]: list directories on the file system", cmd_ls },
	{ "cat", "cat PATH...: print files", cmd_cat },
	{ "sync", "write the file system's changes to the disk", cmd_sync },
	{ "halt", "halt [CODE]: stop the system, QEMU exits", cmd_halt },
	{ NULL, NULL, NULL },
};

static int cmd_help(int argc, char **argv)
{
	for (const struct command *c = commands; c->name; c++)
		printf("  %-10s %s\n", c->name, c->help);
	return 0;
}

/* Run one command line; returns 0 on success. */
static int run_line(char *line)
{
	char *argv[ARGS_MAX], *save = NULL, *w;
	int argc = 0;

	for (w = strtok_r(line, " \t\r\n", &save); w && argc < ARGS_MAX - 1;
	     w = strtok_r(NULL, " \t\r\n", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	if (argc == 0)
		return 0;
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(c->name, argv[0]))
			return c->fn(argc, argv);
	printf("%s: unknown command (try help)\n", argv[0]);
	return 1;
}

/* Read a line from the console with echo and backspace. */
static void read_line(char *buf, size_t len)
{
	size_t n = 0;

	for (;;) {
		char c;

		if (sys2(SYS_CONSOLE_READ, &c, 1) != 1)
			continue;
		if (c == '\r' || c == '\n') {
			sys_debug_write("\n", 1);
			break;
		}
		if (c == 0x7f || c == '\b') {
			if (n) {
				n--;
				sys_debug_write("\b \b", 3);
			}
			continue;
		}
		if (c == 0x03) {		/* ^C: drop the line */
			n = 0;
			sys_debug_write("^C\n", 3);
			break;
		}
		if (n + 1 < len && c >= 0x20) {
			buf[n++] = c;
			sys_debug_write(&c, 1);
		}
	}
	buf[n] = 0;
}

static void run_script(const char *script)
{
	char line[LINE_MAX];
	int failed = 0;

	while (*script) {
		size_t n = strcspn(script, ";\n");

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		char copy[LINE_MAX];
		const char *cmd;

		memcpy(line, script, n);
		line[n] = 0;
		script += n;
		if (*script)
			script++;
		cmd = line + strspn(line, " \t");
		if (!*cmd)
			continue;
		strcpy(copy, cmd);
		printf(PROMPT "%s\n", cmd);
		if (run_line(copy)) {
			failed = 1;
			printf("init: command failed: %s\n", cmd);
		}
	}
	fflush(stdout);
	{
		struct proc_halt_req rq = {
			.code = failed ? HALT_FAILED : HALT_OK };

		proc_req_halt(proc_h, &rq);
	}
}

void shell_main(uint64_t h, const char *script)
{
	char line[LINE_MAX];

	proc_h = h;
	sys2(SYS_IPC_SET_RECVBUF, reply_buf, IPC_BUF_MAX);
	printf("init: ready\n");
	if (script)
		run_script(script);
	for (;;) {
		printf(PROMPT);
		fflush(stdout);
		read_line(line, sizeof(line));
		run_line(line);
	}
}
