/*
 * setjmp.h - non-local jumps (lib/c/sys/setjmp.S).
 *
 * A jmp_buf holds the callee-saved registers of the x86-64 SysV ABI, the
 * stack pointer and the return address, in that order:
 * rbx rbp r12 r13 r14 r15 rsp rip.  No signal mask exists to be saved,
 * so sigsetjmp and siglongjmp are setjmp and longjmp.
 */
#ifndef _SETJMP_H
#define _SETJMP_H

typedef unsigned long jmp_buf[8];
typedef jmp_buf sigjmp_buf;

int setjmp(jmp_buf env) __attribute__((returns_twice));
_Noreturn void longjmp(jmp_buf env, int val);
int _setjmp(jmp_buf env) __attribute__((returns_twice));
_Noreturn void _longjmp(jmp_buf env, int val);

#define sigsetjmp(env, savemask)	setjmp(env)
#define siglongjmp(env, val)		longjmp(env, val)

#endif /* _SETJMP_H */
