/* stream: what one container byte is and where it came from. The stream ids
 * are conmon's attach protocol numbers, and the same numbers name a log
 * record's stream, so one number means one thing everywhere.
 *
 * The attach socket's wire format (conmon's): SOCK_SEQPACKET; shim -> client
 * datagrams are one stream byte and at most STREAM_ATTACH_MAX_PAYLOAD bytes of
 * output (podman reads with an 8193-byte buffer and a bigger datagram would be
 * truncated); client -> shim datagrams are raw stdin bytes, up to
 * STREAM_ATTACH_MAX_INPUT (podman's copy buffer). Detaching is the client's
 * business. */
#ifndef PTYSHIM_STREAM_H
#define PTYSHIM_STREAM_H

#include <stddef.h>
#include <time.h>

enum stream_id {
	STREAM_STDIN = 1,
	STREAM_STDOUT = 2,
	STREAM_STDERR = 3,
};

#define STREAM_ATTACH_MAX_PAYLOAD 8192
#define STREAM_ATTACH_MAX_INPUT 32768

/* One read of container output, as the output path hands it on. */
struct output_chunk {
	enum stream_id stream;
	const char *data;
	size_t len;
	struct timespec when; /* CLOCK_REALTIME of the read that produced it */
};

#endif
