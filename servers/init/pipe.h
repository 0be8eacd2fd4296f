/*
 * pipe.h - the pipe server inside the process server (ipc/pipe.h is its
 * protocol).  proc.c serves pipe_proto next to its own protocol, with
 * the server's receive buffer as ctx, and tells the pipe server about
 * forks and deaths through the two hooks below.
 */
#ifndef INIT_PIPE_H
#define INIT_PIPE_H

#include <stdint.h>
#include <ipc/server.h>
#include <ipc/pipe.h>

/* Handlers for PIPE_*; ctx must be the receive buffer (IPC_BUF_MAX). */
extern const struct ipc_proto pipe_proto;

/*
 * The child gets every reference the parent holds.  Call it after the
 * child has its pid and before its thread can run a request (the process
 * server is one thread, so: anywhere inside the PROC_FORK handler).  If
 * the fork fails after this, pipe_exit(child_pid) undoes it.
 */
void pipe_fork(uint32_t parent_pid, uint32_t child_pid);

/*
 * pid is gone: drop its waiting requests (their reply handles are closed)
 * and all its references, which may wake readers with end of file and
 * writers with -EPIPE.  Call it for every death (exit, kill, exception).
 */
void pipe_exit(uint32_t pid);

/* Checks every invariant of the pipe tables: 0, or -EIO with a message. */
int pipe_check(void);

#endif
