/*
 * fault.c - page faults and exceptions become messages.
 *
 * The life of a fault: the trap (or a system call that found a user page
 * missing) calls fault_raise(), which fills the thread's kmsg with a
 * PAGER_FAULT message and sends it as a CALL to the thread's pager
 * endpoint.  The thread is now blocked.  The pager's REPLY_RECV lands in
 * fault_resume(), which checks and applies the mappings in the reply and
 * lets the thread run: it retries the faulting instruction, or restarts
 * its system call.  A refusal (PAGER_FAIL) becomes an exception for user
 * accesses, or -EFAULT from the system call for the kernel's own accesses.
 *
 * An exception is a CALL to the task's supervisor (EXC_FAULT), which
 * normally kills the task.  Without a supervisor the kernel kills it and
 * says why on the console.
 */
#include "kernel.h"

static const char *const sig_names[] = {
	[4] = "SIGILL", [5] = "SIGTRAP", [7] = "SIGBUS", [8] = "SIGFPE",
	[9] = "SIGKILL", [11] = "SIGSEGV",
};

void fault_raise(struct thread *t, vaddr_t addr, unsigned access,
		 bool kernel)
{
	struct as *a = t->task->as;

	if (!t->pager || !a || a->dead) {
		exception_raise(t, 11, EXC_VEC_NOPAGER, access, addr);
		return;
	}
	t->send_kind = SEND_FAULT;
	t->send_badge = t->pager_badge;
	t->send_rights = 0;
	t->fault_kernel = kernel;
	t->fault_restart = kernel;
	t->kmsg_tag = IPC_TAG(PAGER_FAULT,
			      IPC_MSG_NWORDS(struct pager_fault_req));
	*IPC_MSG_CAST(t->kmsg, struct pager_fault_req) =
		(struct pager_fault_req){
			.addr = addr,
			.access = access | (kernel ? PF_ACC_KERNEL : 0),
			.ip = arch_user_ip(&t->regs),
			.tid = t->tid,
			.label = a->label,
			.ptpool = a->pager ? a->pager->pt_free_count : 0,
		};
	ipc_send(t, t->pager, true);
}

void exception_raise(struct thread *t, int signo, unsigned vector,
		     uint64_t error, vaddr_t addr)
{
	struct task *task = t->task;

	if (!task->exc_ep || task->exc_ep->dead) {
		pr_warn("kernel: task %u (%s) killed: %s, vector %#x, addr %#lx,"
		       " ip %#lx\n", task->id, task->name,
		       signo < 12 && sig_names[signo] ? sig_names[signo] : "?",
		       vector, addr, arch_user_ip(&t->regs));
		task_kill(task);
		return;
	}
	t->send_kind = SEND_EXC;
	t->send_badge = task->exc_badge;
	t->send_rights = 0;
	t->kmsg_tag = IPC_TAG(EXC_FAULT, IPC_MSG_NWORDS(struct exc_fault_req));
	*IPC_MSG_CAST(t->kmsg, struct exc_fault_req) = (struct exc_fault_req){
		.signal = (uint64_t)signo,
		.vector = vector,
		.error = error,
		.addr = addr,
		.ip = arch_user_ip(&t->regs),
		.tid = t->tid,
	};
	ipc_send(t, task->exc_ep, true);
}

/*
 * Apply the mappings of a PAGER_RESUME reply (nw words: one mapping per
 * whole pair); false if any is invalid.
 */
static bool apply_maps(struct thread *t, const struct pager_resume_rep *rp,
		       unsigned nw, struct task *by)
{
	struct as *a = t->task->as;

	if (!a || a->pager != by)
		return nw == 0;
	for (unsigned i = 0; i < nw / 2 && i < PAGER_REPLY_MAPS; i++) {
		uint64_t pw = rp->maps[i].pfn;
		unsigned count = PAGER_MAP_REPEAT(pw) ? PAGER_MAP_REPEAT(pw) : 1;
		struct as_map_op op = {
			.va = rp->maps[i].va,
			.pfn = PAGER_MAP_PFN(pw),
		};

		if (count > PAGER_MAP_REPEAT_MAX)
			return false;
		for (unsigned k = 0; k < count; k++, op.va += PAGE_SIZE)
			if (as_map(a, by, &op) < 0)
				return false;
	}
	return true;
}

void fault_resume(struct thread *t, struct regs *reply, struct task *by)
{
	unsigned label = IPC_TAG_LABEL(*arch_msg_tag(reply));
	const struct pager_fault_req *f =
		IPC_MSG_CAST(t->kmsg, const struct pager_fault_req);
	vaddr_t addr = f->addr;
	uint64_t w[IPC_WORDS];

	for (unsigned i = 0; i < IPC_WORDS; i++)
		w[i] = *arch_msg_word(reply, i);
	t->send_kind = SEND_USER;
	if (label == PAGER_RESUME &&
	    apply_maps(t, IPC_MSG_CAST(w, const struct pager_resume_rep),
		       IPC_TAG_NWORDS(*arch_msg_tag(reply)), by)) {
		if (t->fault_restart)
			arch_syscall_restart(&t->regs);
		sched_make_runnable(t);
		return;
	}
	if (label == PAGER_FAIL && t->fault_kernel) {
		arch_sys_ret(&t->regs, (uint64_t)-EFAULT);
		sched_make_runnable(t);
		return;
	}
	if (label == PAGER_FAIL) {
		uint64_t sig = IPC_MSG_CAST(w, struct pager_fail_rep)->signal;

		exception_raise(t, sig == 7 || sig == 9 ? (int)sig : 11,
				EXC_VEC_PAGER,
				f->access, addr);
		return;
	}
	exception_raise(t, 11, EXC_VEC_BADREPLY, label, addr);
}

void kernel_page_fault(vaddr_t addr, unsigned access, uint64_t error)
{
	(void)error;
	if (!current)
		return;
	if (addr >= USER_TOP) {
		exception_raise(current, 11, 14, error, addr);
		return;
	}
	pr_debug("kernel: fault tid %u addr %#lx access %#x\n", current->tid,
		 addr, access);
	fault_raise(current, addr, access, false);
}

void kernel_exception(int signo, unsigned vector, uint64_t error,
		      vaddr_t addr)
{
	if (current)
		exception_raise(current, signo, vector, error, addr);
}
