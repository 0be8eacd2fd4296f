/*
 * handle.c - per-task handle tables.
 *
 * A handle is a slot in its task's table naming one object, with rights
 * and (for endpoints) a badge.  Every system call that acts on an object
 * looks its handle up here, checking type and rights, so a task can touch
 * only what it was given.  Slot 0 is never used: 0 reads as "no handle".
 */
#include "kernel.h"

void obj_get(enum handle_type type, void *obj)
{
	switch (type) {
	case HT_ENDPOINT: ((struct endpoint *)obj)->refs++; break;
	case HT_NOTIF: ((struct notif *)obj)->refs++; break;
	case HT_AS: ((struct as *)obj)->refs++; break;
	case HT_TASK: ((struct task *)obj)->refs++; break;
	default: break;
	}
}

void obj_put(enum handle_type type, void *obj)
{
	switch (type) {
	case HT_ENDPOINT: endpoint_put(obj); break;
	case HT_NOTIF: notif_put(obj); break;
	case HT_AS: as_put(obj); break;
	case HT_TASK: task_put(obj); break;
	default: break;
	}
}

int handle_install(struct task *t, enum handle_type type, void *obj,
		   unsigned rights, uint64_t badge)
{
	for (unsigned i = 1; i < TASK_HANDLES; i++) {
		struct handle *h = &t->handles[i];

		if (h->type != HT_NONE)
			continue;
		h->type = type;
		h->rights = rights;
		h->obj = obj;
		h->badge = badge;
		obj_get(type, obj);
		if (type == HT_ENDPOINT && (rights & R_RECV))
			((struct endpoint *)obj)->recv_refs++;
		return (int)i;
	}
	return -ENOSPC;
}

struct handle *handle_get(struct task *t, uint64_t slot,
			  enum handle_type type, unsigned rights)
{
	struct handle *h;

	if (slot == 0 || slot >= TASK_HANDLES)
		return NULL;
	h = &t->handles[slot];
	if (h->type != type || (h->rights & rights) != rights)
		return NULL;
	return h;
}

void handle_close(struct task *t, unsigned slot)
{
	struct handle *h = &t->handles[slot];
	enum handle_type type = h->type;
	void *obj = h->obj;

	if (type == HT_NONE)
		return;
	if (type == HT_ENDPOINT && (h->rights & R_RECV))
		endpoint_recv_ref_drop(obj);
	if (type == HT_REPLY)
		ipc_reply_handle_drop(obj, h->badge);
	h->type = HT_NONE;
	h->obj = NULL;
	obj_put(type, obj);
}
