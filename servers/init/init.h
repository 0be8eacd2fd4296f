/*
 * init.h - init: the first user task.  It starts everything else, serves the
 * process protocol (ipc/proc.h) on its main thread, and runs the shell on
 * the serial console on a second thread, which is a client of the first.
 */
#ifndef INIT_INIT_H
#define INIT_INIT_H

#include <stdint.h>
#include <ipc/usys.h>
#include <ipc/proc.h>
#include <ipc/mm.h>
#include <ipc/bootinfo.h>

#define INIT_PID	1
#define PROC_MAX	128

/* proc.c */
void proc_serve(uint64_t ep) __attribute__((noreturn));
uint64_t proc_shell_handle(void);

/* shell.c */
void shell_main(uint64_t proc_h, const char *script)
	__attribute__((noreturn));

/* shell_fs.c: ls, cat, sync; rbuf is the shell's receive buffer */
int shell_ls(uint64_t proc_h, char *rbuf, int argc, char **argv);
int shell_cat(uint64_t proc_h, char *rbuf, int argc, char **argv);
int shell_sync(uint64_t proc_h);

#endif
