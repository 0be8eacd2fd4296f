/*
 * upager.h - be the pager of a child address space (userfaultfd-style).
 *
 * A program makes a struct upager: an address space it is the pager of,
 * and an endpoint on which it receives that space's faults.  upager_spawn()
 * runs one function of the program in a child task in that space, and
 * upager_run() serves the child's faults until the function returns or
 * the child dies.  The child sees, each page on first touch, a private
 * copy of the program's loaded segments (with their protection; data
 * and bss as they were at that moment) and a stack of UPAGER_STACK_MAX bytes
 * below UPAGER_STACK_TOP.  Every other fault goes to the program's handler,
 * which answers with a page it computes or fetches (upager_page_alloc(),
 * fill it, upager_map()) or refuses with a signal (the child dies of it).
 *
 * Frames: a program's own memory belongs to its pager (mm), so the frames
 * the child sees are lent to the program (MM_FRAMES_LEND, a per-process
 * quota; they go back to mm when the program exits).  A child can itself
 * be a pager (nesting): upager_spawn() gives it give_pages of the parent's
 * frames, mapped in the child, and the child starts with upager_init_child().
 *
 * The child runs the program's code in a space with no handles to the
 * process server or mm: it may use the upager calls, memory and string
 * functions, and system calls, not stdio or malloc.  Everything here is
 * single-threaded and allocates nothing.
 */
#ifndef UPAGER_H
#define UPAGER_H

#include <stdint.h>

#define UPAGER_STACK_TOP	0x0000100000000000ull
#define UPAGER_STACK_MAX	(256 * 1024)
#define UPAGER_BLOCKS_MAX	16	/* frame runs one upager holds */
#define UPAGER_LEND_PAGES	128	/* frames asked of mm at a time */
#define UPAGER_H_PARENT		1	/* a child's handle to its pager */
#define UPAGER_EXIT		0x700	/* label: a child's function returned */

struct upager;

/* A fault of the child, as the kernel reported it (ipc/pager.h). */
struct upager_fault {
	uint64_t addr;		/* faulting address, not rounded */
	uint64_t access;	/* PF_ACC_* */
	uint64_t ip;
};

/*
 * The program's handler for faults outside the image and the stack: map
 * something (upager_map) and return 0 - the child retries, and faults
 * again if nothing was mapped - or return a signal (SIGSEGV, SIGBUS) to
 * refuse the fault.
 */
typedef int (*upager_fault_fn)(struct upager *up, const struct upager_fault *f,
			       void *arg);

/* A run of frames: npages pages at va in our space, frames pfn.. */
struct upager_block {
	uint64_t va, pfn, npages;
};

/* How the child ended. */
struct upager_status {
	int exited;		/* 1: its function returned code */
	long code;
	int signal;		/* else: the signal it died of */
	uint64_t vector, addr, ip;	/* of the fatal exception */
};

struct upager_stats {
	uint64_t faults;	/* every fault served or refused */
	uint64_t image, stack;	/* of which built-in */
	uint64_t handler;	/* of which passed to the handler */
	uint64_t refused;
};

struct upager {
	uint64_t mm;			/* handle to mm (in a child, the
					 * program's: page tables only) */
	int child;			/* frames were given, not lent */
	int gave;			/* some went to a child: no reuse */
	int pool_stale;			/* mapped since the fault came */
	uint64_t ep, as, task;		/* 0 until made */
	int alive;			/* the child task runs */
	upager_fault_fn fault;
	void *arg;
	struct upager_block blocks[UPAGER_BLOCKS_MAX];
	unsigned nblocks;
	uint64_t bump_block, bump_next;	/* next never-used page */
	void *free_list;		/* pages given back, linked */
	uint64_t pages_free;
	unsigned npending;
	uint64_t pending[8];		/* as_map_op pairs for the reply */
	struct upager_stats stats;
};

/* The frames a parent gave a child, at the top of the child's stack. */
struct upager_given {
	uint64_t magic;
	unsigned nblocks;
	struct upager_block blocks[UPAGER_BLOCKS_MAX];
};
#define UPAGER_GIVEN_MAGIC	0x75706167657266ull

/* A pager with frames from mm (lent to this program).  0 or -errno. */
int upager_init(struct upager *up, upager_fault_fn fault, void *arg);
/* In a child started with give_pages > 0: a pager with those frames. */
int upager_init_child(struct upager *up, upager_fault_fn fault, void *arg);
/*
 * Make the space and start fn(arg) in a child task named name; with
 * give_pages > 0 the child also gets that many of our frames (for
 * upager_init_child).  0 or -errno.
 */
int upager_spawn(struct upager *up, long (*fn)(uint64_t), uint64_t arg,
		 const char *name, uint64_t give_pages);
/* Map now the image and stack pages of [va, va + len) the child would
 * fault on (so it can run a while unserved).  0 or -errno. */
int upager_populate(struct upager *up, uint64_t va, uint64_t len);
/* Serve the child's faults until it ends; *st says how.  0 or -errno. */
int upager_run(struct upager *up, struct upager_status *st);
/* Kill the child and drop the space.  Unless it gave frames to the child
 * (give_pages), the next upager_spawn() reuses every page. */
void upager_destroy(struct upager *up);

/* A page of ours (not mapped in the child) to fill; NULL if none left. */
void *upager_page_alloc(struct upager *up);
/* Give a page back; it must be mapped in no child any more. */
void upager_page_free(struct upager *up, void *page);
/* Map our page at va in the child with AS_PROT_* prot (READ required). */
int upager_map(struct upager *up, uint64_t va, void *page, unsigned prot);
/* Unmap [va, va + npages pages) in the child. */
int upager_unmap(struct upager *up, uint64_t va, uint64_t npages);

/* In a child: end with code (what returning from fn does). */
__attribute__((noreturn)) void upager_child_exit(long code);

#endif
