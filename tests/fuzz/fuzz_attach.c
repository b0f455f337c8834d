/* fuzz_attach: the attach socket server, driven for real.
 *
 * Each input is a script of operations on a fresh attach server (a real
 * SOCK_SEQPACKET listener under /tmp and its own event loop): clients
 * connect, send datagrams of any size (up to 64 KiB, past the 32 KiB
 * limit), shut down or close, read their output or leave it unread;
 * output chunks of any size are broadcast on either stream; the input
 * queue fills and empties; the loop runs. Checked:
 *  - input: only while the server was told there is room; at most
 *    STREAM_ATTACH_MAX_INPUT bytes a call; every datagram arrives intact (cut to
 *    the limit), in order per client, at most once; at the end, every
 *    datagram of a client that is still connected and was not cut off has
 *    arrived (nothing is lost while a client behaves);
 *  - output: frames are one stream byte and 1..STREAM_ATTACH_MAX_PAYLOAD bytes,
 *    and a client reads exactly the broadcast bytes since it was accepted,
 *    in order and with the right stream, up to where it may have been cut
 *    off (then it reads EOF);
 *  - no leak, crash or use-after-free (ASan) in any order of events.
 * Datagram bodies carry (client, sequence) headers so the checks need no
 * model of the kernel's timing. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shim/attach.h"
#include "base/stream.h"
#include "base/sock.h"
#include "shim/console.h"
#include "base/diag.h"
#include "base/loop.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CLIENTS 6
#define MAX_SENT 256
#define MAX_CHUNKS 512
#define MAX_BCAST (1u << 20)
#define HDR 6

static char dir[64], sock_path[96];

static void cleanup(void)
{
	unlink(sock_path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	diag_init("ptyshim");
	diag_set_stderr(false);
	snprintf(dir, sizeof(dir), "/tmp/ptyshim-fuzz-attach-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		abort();
	}
	snprintf(sock_path, sizeof(sock_path), "%s/attach", dir);
	atexit(cleanup);
	return 0;
}

struct client {
	int fd;
	bool used;
	bool accepted;   /* the server has accepted it (in connect order) */
	bool wr_done;    /* shut down its sending side, sent an empty datagram, or closed */
	bool eof;        /* read EOF: the server closed it (cut off, or gone) */
	bool reset;      /* a send or read failed: the server may have dropped it */
	size_t n_sent;   /* datagrams sent */
	size_t sent_len[MAX_SENT];
	size_t next_in;  /* the next sequence number that may arrive */
	size_t arrived;  /* how many arrived (sequence numbers are increasing) */
	size_t pos;      /* output position: bytes of the broadcast log */
	size_t start;    /* broadcast log length when it was accepted */
};

struct chunk {
	size_t start, len;
	int stream;
};

struct state {
	struct client c[MAX_CLIENTS];
	int accept_queue[64]; /* connect order of clients not yet accepted */
	size_t aq_head, aq_len;
	struct chunk chunks[MAX_CHUNKS];
	size_t n_chunks, bcast_len;
	bool room;
	size_t eofs;
	size_t shutdowns;
};

static struct state S;

static unsigned char pattern(size_t seq, size_t i, int client)
{
	return (unsigned char)(seq * 31 + i * 7 + (size_t)client * 13);
}

static unsigned char out_byte(size_t off)
{
	return (unsigned char)(off * 131 + (off >> 9));
}

static size_t cb_input(void *ctx, const void *data, size_t len)
{
	(void)ctx;
	const unsigned char *p = data;
	if (!S.room || len > STREAM_ATTACH_MAX_INPUT || len < HDR || p[0] != 0xa5 || p[1] >= MAX_CLIENTS)
		abort();
	struct client *c = &S.c[p[1]];
	size_t seq = (size_t)p[2] | (size_t)p[3] << 8 | (size_t)p[4] << 16 | (size_t)p[5] << 24;
	if (seq < c->next_in || seq >= c->n_sent)
		abort(); /* a duplicate, out of order, or never sent */
	size_t want = c->sent_len[seq] > STREAM_ATTACH_MAX_INPUT ? STREAM_ATTACH_MAX_INPUT : c->sent_len[seq];
	if (len != want)
		abort();
	for (size_t i = HDR; i < len; i++)
		if (p[i] != pattern(seq, i, p[1]))
			abort();
	c->next_in = seq + 1;
	c->arrived++;
	return len;
}

static bool cb_input_room(void *ctx)
{
	(void)ctx;
	return S.room;
}

static void cb_input_eof(void *ctx)
{
	(void)ctx;
	S.eofs++;
}

static void cb_attached(void *ctx)
{
	(void)ctx;
	if (S.aq_len == 0)
		abort(); /* accepted a connection nobody made */
	int k = S.accept_queue[S.aq_head++ % 64];
	S.aq_len--;
	if (k >= 0) {
		S.c[k].accepted = true;
		S.c[k].start = S.c[k].pos = S.bcast_len;
	}
}

/* Reads what a client has, checking every frame against the broadcast log. */
static void client_read(int k)
{
	struct client *c = &S.c[k];
	if (!c->used || c->fd < 0 || c->eof)
		return;
	unsigned char buf[STREAM_ATTACH_MAX_PAYLOAD + 64];
	for (;;) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				c->reset = true;
			return;
		}
		if (n == 0) {
			c->eof = true;
			return;
		}
		if (!c->accepted || n < 2 || (size_t)n > STREAM_ATTACH_MAX_PAYLOAD + 1)
			abort();
		size_t len = (size_t)n - 1;
		/* The chunk holding c->pos; frames never straddle chunks. */
		size_t ci = 0;
		while (ci < S.n_chunks && S.chunks[ci].start + S.chunks[ci].len <= c->pos)
			ci++;
		if (ci == S.n_chunks)
			abort(); /* more output than was broadcast */
		const struct chunk *ch = &S.chunks[ci];
		if (buf[0] != ch->stream || c->pos + len > ch->start + ch->len)
			abort();
		for (size_t i = 0; i < len; i++)
			if (buf[1 + i] != out_byte(c->pos + i))
				abort();
		c->pos += len;
	}
}

static size_t take(const uint8_t **p, const uint8_t *end, size_t bytes)
{
	size_t v = 0;
	for (size_t i = 0; i < bytes && *p < end; i++)
		v = v << 8 | *(*p)++;
	return v;
}

/* A number that changes whenever input arrives or output is read. */
static size_t progress(void)
{
	size_t sum = S.eofs + S.aq_len;
	for (int k = 0; k < MAX_CLIENTS; k++)
		sum += S.c[k].arrived * 7919 + S.c[k].pos + S.c[k].eof + S.c[k].reset;
	return sum;
}

static void client_close(int k)
{
	struct client *c = &S.c[k];
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->wr_done = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	memset(&S, 0, sizeof(S));
	for (int k = 0; k < MAX_CLIENTS; k++)
		S.c[k].fd = -1;
	S.room = true;
	const uint8_t *p = data, *end = data + size;
	size_t queue_max = 65536 * (1 + take(&p, end, 1) % 8);

	struct loop *loop = loop_new();
	struct attach_callbacks cb = {
		.input = cb_input,
		.input_room = cb_input_room,
		.input_eof = cb_input_eof,
		.attached = cb_attached,
	};
	char *err = NULL;
	struct attach_server *srv = attach_listen(loop, sock_path, queue_max, &cb, &err);
	if (srv == NULL) {
		fprintf(stderr, "fuzz_attach: %s\n", err);
		abort();
	}
	unsigned char *body = malloc(65536);

	while (p < end) {
		unsigned op = *p++ % 10;
		int k = (int)(take(&p, end, 1) % MAX_CLIENTS);
		struct client *c = &S.c[k];
		switch (op) {
		case 0: /* connect */
			if (c->used || S.aq_len == 64)
				break;
			c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (c->fd < 0)
				abort();
			if (sock_connect(c->fd, sock_path, 10000) < 0) {
				close(c->fd); /* backlog full: a refused client is no client */
				c->fd = -1;
				break;
			}
			c->used = true;
			S.accept_queue[(S.aq_head + S.aq_len++) % 64] = k;
			break;
		case 1: { /* send a datagram */
			if (!c->used || c->fd < 0 || c->wr_done || c->n_sent == MAX_SENT)
				break;
			size_t len = take(&p, end, 2);
			if (len % 4 == 0)
				len = len % 256; /* many small ones too */
			if (len == 0) {
				/* An empty datagram reads as EOF on SOCK_SEQPACKET: the
				 * server takes it as the end of this client's input. */
				if (send(c->fd, "", 0, MSG_DONTWAIT | MSG_NOSIGNAL) == 0)
					c->wr_done = true;
				break;
			}
			if (len < HDR)
				len = HDR;
			size_t seq = c->n_sent;
			body[0] = 0xa5;
			body[1] = (unsigned char)k;
			for (int i = 0; i < 4; i++)
				body[2 + i] = (unsigned char)(seq >> (8 * i));
			for (size_t i = HDR; i < len; i++)
				body[i] = pattern(seq, i, k);
			ssize_t n = send(c->fd, body, len, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n == (ssize_t)len) {
				c->sent_len[seq] = len;
				c->n_sent++;
			} else if (n < 0 && errno != EAGAIN && errno != EMSGSIZE && errno != ENOBUFS) {
				c->reset = true;
			}
			break;
		}
		case 2: /* shut down the sending side */
			if (c->used && c->fd >= 0 && !c->wr_done) {
				shutdown(c->fd, SHUT_WR);
				c->wr_done = true;
				S.shutdowns++;
			}
			break;
		case 3: /* close */
			if (c->used && c->fd >= 0) {
				client_close(k);
				S.shutdowns++;
			}
			break;
		case 4: { /* broadcast */
			size_t len = take(&p, end, 2) * (1 + take(&p, end, 1) % 4);
			if (len == 0 || S.n_chunks == MAX_CHUNKS || S.bcast_len + len > MAX_BCAST)
				break;
			char *out = malloc(len);
			for (size_t i = 0; i < len; i++)
				out[i] = (char)out_byte(S.bcast_len + i);
			int stream = k & 1 ? STREAM_STDERR : STREAM_STDOUT;
			S.chunks[S.n_chunks++] = (struct chunk){S.bcast_len, len, stream};
			S.bcast_len += len;
			struct output_chunk oc = {.stream = (enum stream_id)stream, .data = out, .len = len};
			attach_broadcast(srv, &oc);
			free(out);
			break;
		}
		case 5:
		case 6: /* run the loop */
			loop_run_once(loop, 0);
			break;
		case 7: /* the input queue fills or empties */
			S.room = !S.room;
			if (S.room)
				attach_resume_input(srv);
			break;
		case 8: /* a client reads its output */
			client_read(k);
			break;
		case 9:
			(void)attach_has_pending(srv);
			break;
		}
	}

	/* Settle: room for input, everybody reads, the loop runs until quiet. */
	S.room = true;
	attach_resume_input(srv);
	/* Until nothing moves for a few rounds (the kernel needs no time:
	 * everything is local), with a cap. */
	for (int round = 0, quiet = 0; round < 500 && quiet < 3; round++) {
		size_t before = progress();
		loop_run_once(loop, 0);
		for (int k = 0; k < MAX_CLIENTS; k++)
			client_read(k);
		quiet = progress() == before ? quiet + 1 : 0;
	}
	for (int k = 0; k < MAX_CLIENTS; k++) {
		struct client *c = &S.c[k];
		if (!c->used || !c->accepted || c->wr_done || c->eof || c->reset)
			continue;
		/* A well-behaved client: all its input arrived, all output read. */
		if (c->arrived != c->n_sent || c->next_in != c->n_sent)
			abort();
		if (c->pos != S.bcast_len)
			abort();
	}
	if (S.eofs > S.shutdowns + MAX_CLIENTS)
		abort();

	attach_free(srv);
	loop_free(loop);
	for (int k = 0; k < MAX_CLIENTS; k++)
		if (S.c[k].fd >= 0)
			close(S.c[k].fd);
	free(body);
	return 0;
}
