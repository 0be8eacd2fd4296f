/*
 * ipctest.c - IPC between two tasks: 100,000 call/reply round trips, each
 * payload checked on both sides, plus messages carrying a buffer and a
 * handle.
 *
 * `ipctest` is the server: it publishes an endpoint, starts
 * `ipctest client NAME`, and answers.  Payload word k of request i is
 * i * (k + 1) ^ MAGIC; the reply carries the complement of each word, so
 * each side checks what the other computed.
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "guest.h"

#define ROUNDS		100000
#define MAGIC		0x5a5a1234abcd0000ull
#define LABEL_PING	1
#define LABEL_BUF	2
#define LABEL_DONE	3

static uint64_t word(uint64_t i, int k)
{
	return (i * (uint64_t)(k + 1)) ^ MAGIC;
}

static int client(const char *name)
{
	struct ipc_msg m;
	char buf[256];
	long h = -1;
	int bad = 0;

	for (int tries = 0; tries < 100 && h < 0; tries++) {
		h = guest_lookup(name);
		if (h < 0)
			usleep(1000);
	}
	if (h < 0)
		return 10;
	for (uint64_t i = 0; i < ROUNDS; i++) {
		m.tag = IPC_TAG(LABEL_PING, IPC_WORDS);
		m.buf = NULL;
		for (int k = 0; k < IPC_WORDS; k++)
			m.w[k] = word(i, k);
		if (ipc_call((uint64_t)h, &m))
			return 11;
		for (int k = 0; k < IPC_WORDS; k++)
			if (m.w[k] != ~word(i, k))
				bad++;
	}
	for (int i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (char)(i * 7);
	m.tag = IPC_TAG(LABEL_BUF, 1) | IPC_TAG_BUF(sizeof(buf));
	m.buf = buf;
	m.w[0] = sizeof(buf);
	if (ipc_call((uint64_t)h, &m) || m.w[0] != 0)
		bad++;
	m.tag = IPC_TAG(LABEL_DONE, 1);
	m.buf = NULL;
	m.w[0] = (uint64_t)bad;
	ipc_call((uint64_t)h, &m);
	return bad ? 1 : 0;
}

static char rbuf[IPC_BUF_MAX];

static int server(void)
{
	char name[32];
	const char *argv[] = { "ipctest", "client", name, NULL };
	struct ipc_msg m = { 0 };
	uint64_t i = 0, bad = 0, client_bad = ~0ull;
	long ep = sys0(SYS_EP_CREATE), send_h, pid;
	int status = 0, buf_ok = 0;

	snprintf(name, sizeof(name), "ipctest-%d", getpid());
	send_h = sys3(SYS_HANDLE_MINT, ep, R_SEND, 0);
	if (ep < 0 || send_h < 0 || guest_register(name, send_h)) {
		FAIL("ipc.setup", "cannot create or publish an endpoint");
		return 1;
	}
	sys2(SYS_IPC_SET_RECVBUF, rbuf, sizeof(rbuf));
	pid = guest_spawn(argv);
	if (pid < 0) {
		FAIL("ipc.setup", "cannot start the client (%ld)", pid);
		return 1;
	}
	m.tag = 0;
	for (;;) {
		if (ipc_reply_recv((uint64_t)ep, &m)) {
			FAIL("ipc.roundtrip", "receive failed");
			return 1;
		}
		unsigned label = IPC_TAG_LABEL(m.tag);

		if (label == LABEL_PING) {
			for (int k = 0; k < IPC_WORDS; k++) {
				if (m.w[k] != word(i, k))
					bad++;
				m.w[k] = ~m.w[k];
			}
			i++;
			m.tag = IPC_TAG(0, IPC_WORDS);
		} else if (label == LABEL_BUF) {
			buf_ok = IPC_TAG_BUFLEN(m.tag) == m.w[0];
			for (unsigned k = 0; buf_ok && k < m.w[0]; k++)
				buf_ok = rbuf[k] == (char)(k * 7);
			m.tag = IPC_TAG(0, 1);
			m.w[0] = 0;
		} else if (label == LABEL_DONE) {
			client_bad = m.w[0];
			m.tag = IPC_TAG(0, 0);
			ipc_reply(0, &m);
			break;
		}
	}
	waitpid((pid_t)pid, &status, 0);
	if (i == ROUNDS && bad == 0 && client_bad == 0)
		PASS("ipc.roundtrip");
	else
		FAIL("ipc.roundtrip", "%lu rounds, %lu bad words here, %lu there",
		     (unsigned long)i, (unsigned long)bad,
		     (unsigned long)client_bad);
	if (buf_ok)
		PASS("ipc.buffer");
	else
		FAIL("ipc.buffer", "buffer did not arrive intact");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		PASS("ipc.client_exit");
	else
		FAIL("ipc.client_exit", "client status %#x", status);
	return guest_failures ? 1 : 0;
}

/* Notifications: a timer fires into a word; a bound endpoint wakes. */
static void notifications(void)
{
	long n = sys0(SYS_NOTIF_CREATE), ep = sys0(SYS_EP_CREATE);
	struct ipc_msg m = { 0 };
	long t0 = sys_clock_ns(), r;

	if (n < 0 || ep < 0) {
		FAIL("ipc.notify_timer", "cannot create objects");
		return;
	}
	r = sys3(SYS_NOTIFY_TIMER, n, 5000000, 0x4);
	if (r == 0)
		r = sys_msg(SYS_NOTIFY_WAIT, (uint64_t)n, &m);
	if (r == 0 && m.w[0] == 0x4 && sys_clock_ns() - t0 >= 4000000)
		PASS("ipc.notify_timer");
	else
		FAIL("ipc.notify_timer", "r=%ld bits=%#lx after %ld ns", r,
		     (unsigned long)m.w[0], sys_clock_ns() - t0);
	r = sys2(SYS_EP_BIND_NOTIF, ep, n);
	if (r == 0)
		r = sys2(SYS_NOTIFY, n, 0x10);
	if (r == 0)
		r = ipc_recv((uint64_t)ep, &m);
	if (r == 0 && (m.tag & IPC_TAG_NOTIFY) && m.w[0] == 0x10)
		PASS("ipc.notify_bound");
	else
		FAIL("ipc.notify_bound", "r=%ld tag=%#lx w0=%#lx", r,
		     (unsigned long)m.tag, (unsigned long)m.w[0]);
	m.tag = IPC_TAG(1, 0);
	m.buf = NULL;
	r = sys_msg(SYS_CALL, 77, &m);
	if (r == -9)
		PASS("ipc.bad_handle");
	else
		FAIL("ipc.bad_handle", "call on a bad handle returned %ld", r);
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "client"))
		return client(argv[2]);
	notifications();
	return server();
}
