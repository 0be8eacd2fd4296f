/*
 * ipc/proc.h - requests to the process server (in init): processes, their
 * exit status, signals, and the system itself.
 *
 * Every reply: word 0 = 0 or -errno, results in words 1...  A client's
 * handle is badged with its pid.  Wait statuses use Linux's encoding
 * (exit code << 8, or the signal number in the low 7 bits).
 */
#ifndef IPC_PROC_H
#define IPC_PROC_H

#include <ipc/msg.h>
#include <ipc/sys.h>

enum proc_label {
	PROC_SPAWN = 0x300,	/* flags; buffer "prog\0args...\0\0" -> pid */
	PROC_WAIT,		/* pid (-1: any), options -> pid, status */
	PROC_EXIT,		/* status; no reply */
	PROC_FORK,		/* ip, sp, arg -> child pid (0 in the child) */
	PROC_KILL,		/* pid, signal */
	PROC_GETPID,		/* -> pid, parent pid */
	PROC_PS,		/* -> text in the reply buffer */
	PROC_HALT,		/* code: halt the system */
	PROC_EXEC,		/* buffer "prog\0args...\0\0env...\0\0": replace
				 * the caller's image; no reply on success */
	PROC_REGISTER,		/* buffer name, handle in w1 (R_SEND kept) */
	PROC_LOOKUP,		/* buffer name -> handle in w1 */
	PROC_OOM_ADJ,		/* pid, value (-1000..1000): oom_score_adj */
	PROC_LABEL_END
};
#define PROC_LABEL_COUNT	(PROC_LABEL_END - PROC_SPAWN)

#define PROC_WNOHANG	1
#define PROC_SPAWN_SERVER 1	/* PROC_SPAWN flag, from init only: a server
				 * (oom_score_adj -1000: never OOM-killed) */
#define PROC_SPAWN_PAGER 2	/* PROC_SPAWN flag, from init only: the buffer
				 * starts with a pager spec, "NAME[,OPT...]",
				 * the pager that serves the program */
#define PROC_NAME_MAX	32

/*
 * The messages (see ipc/msg.h): PROC_x sends struct proc_x_req and is
 * answered with struct proc_x_rep.  A buffer "prog\0args...\0\0" names
 * a boot module and its arguments (PROC_EXEC adds "env...\0\0").
 */
struct proc_spawn_req { uint64_t flags; };	/* 0; buffer: prog, args */
struct proc_spawn_rep { int64_t status; uint64_t pid; };

struct proc_wait_req { int64_t pid; uint64_t options; };  /* -1: any */
struct proc_wait_rep { int64_t status; uint64_t pid, wstatus; };

struct proc_exit_req { uint64_t status; };	/* exit code, low 8 bits */
struct proc_exit_rep { int64_t status; };	/* only on failure */

struct proc_fork_req { uint64_t ip, sp, arg; };	/* the child's start */
struct proc_fork_rep { int64_t status; uint64_t pid; };

struct proc_kill_req { int64_t pid; uint64_t signal; };
struct proc_kill_rep { int64_t status; };

/* PROC_GETPID has no request words. */
struct proc_getpid_rep { int64_t status; uint64_t pid, ppid; };

/* PROC_PS has no request words; the text comes in the reply buffer. */
struct proc_ps_rep { int64_t status; };

struct proc_halt_req { uint64_t code; };	/* HALT_* */
struct proc_halt_rep { int64_t status; };	/* only on refusal */

/* PROC_EXEC has no request words, only the buffer. */
struct proc_exec_rep { int64_t status; };	/* only on failure */

/* PROC_REGISTER: the name in the buffer, one handle (IPC_TAG_HANDLES). */
struct proc_register_req { uint64_t unused, handle; };
struct proc_register_rep { int64_t status; };

/* PROC_LOOKUP has no request words, only the name in the buffer. */
struct proc_lookup_rep { int64_t status; uint64_t handle; };

struct proc_oom_adj_req { uint64_t pid; int64_t value; };
struct proc_oom_adj_rep { int64_t status; };

IPC_MSG_ASSERT(struct proc_spawn_req);
IPC_MSG_ASSERT(struct proc_spawn_rep);
IPC_MSG_ASSERT(struct proc_wait_req);
IPC_MSG_ASSERT(struct proc_wait_rep);
IPC_MSG_ASSERT(struct proc_exit_req);
IPC_MSG_ASSERT(struct proc_exit_rep);
IPC_MSG_ASSERT(struct proc_fork_req);
IPC_MSG_ASSERT(struct proc_fork_rep);
IPC_MSG_ASSERT(struct proc_kill_req);
IPC_MSG_ASSERT(struct proc_kill_rep);
IPC_MSG_ASSERT(struct proc_getpid_rep);
IPC_MSG_ASSERT(struct proc_ps_rep);
IPC_MSG_ASSERT(struct proc_halt_req);
IPC_MSG_ASSERT(struct proc_halt_rep);
IPC_MSG_ASSERT(struct proc_exec_rep);
IPC_MSG_ASSERT(struct proc_register_req);
IPC_MSG_ASSERT(struct proc_register_rep);
IPC_MSG_ASSERT(struct proc_lookup_rep);
IPC_MSG_ASSERT(struct proc_oom_adj_req);
IPC_MSG_ASSERT(struct proc_oom_adj_rep);
_Static_assert(__builtin_offsetof(struct proc_register_req, handle) ==
	       IPC_HANDLE_WORD * 8 &&
	       __builtin_offsetof(struct proc_lookup_rep, handle) ==
	       IPC_HANDLE_WORD * 8, "PROC_REGISTER's, PROC_LOOKUP's handle");

/*
 * Client stubs (lib/ipc/proc_client.c), on a handle h to the process
 * server: send the request, fill *rp from the reply, and return the
 * reply's status (or the call's own error).  A reply that is only a
 * status has no rp.  *rtag, where asked for, gets the reply's tag (its
 * buffer length).  Buffers are len bytes at buf; names end in '\0'.
 */
long proc_req_spawn(uint64_t h, const struct proc_spawn_req *rq,
		    const void *buf, unsigned len, struct proc_spawn_rep *rp);
long proc_req_wait(uint64_t h, const struct proc_wait_req *rq,
		   struct proc_wait_rep *rp);
long proc_req_exit(uint64_t h, const struct proc_exit_req *rq);
long proc_req_fork(uint64_t h, const struct proc_fork_req *rq,
		   struct proc_fork_rep *rp);
long proc_req_kill(uint64_t h, const struct proc_kill_req *rq);
long proc_req_getpid(uint64_t h, struct proc_getpid_rep *rp);
long proc_req_ps(uint64_t h, uint64_t *rtag);
long proc_req_halt(uint64_t h, const struct proc_halt_req *rq);
long proc_req_exec(uint64_t h, const void *buf, unsigned len);
long proc_req_register(uint64_t h, const struct proc_register_req *rq,
		       const char *name);
long proc_req_lookup(uint64_t h, const char *name,
		     struct proc_lookup_rep *rp);

/* Handle slots every program starts with. */
enum {
	H_PROC = 1,		/* the process server (badge: pid) */
	H_MM,			/* its pager (badge: memory context) */
	H_SELF_TASK,		/* its own task, TASK_R_THREAD only: it may add
				 * threads, not kill itself behind init's back */
	H_START_COUNT
};

#endif
