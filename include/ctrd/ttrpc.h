/* ttrpc: containerd's RPC framing, as pure functions over bytes so the
 * server and the fuzzer share one parser. A frame is a 10-byte big-endian
 * header (uint32 length, uint32 stream id, uint8 type, uint8 flags) and
 * `length` bytes of protobuf: a ttrpc.Request from the client, a
 * ttrpc.Response back on the same stream id. A length over 4 MiB is refused
 * as ttrpc itself refuses it (RESOURCE_EXHAUSTED). */
#ifndef PTYSHIM_CTRD_TTRPC_H
#define PTYSHIM_CTRD_TTRPC_H

#include <stddef.h>
#include <stdint.h>

#include "ctrd/ttrpc.pb-c.h"

#define TTRPC_HEADER_LEN 10
#define TTRPC_MESSAGE_MAX (4u << 20)
#define TTRPC_TYPE_REQUEST 1
#define TTRPC_TYPE_RESPONSE 2

/* grpc status codes ttrpc carries in Response.status. */
enum rpc_code {
	RPC_OK = 0,
	RPC_UNKNOWN = 2,
	RPC_INVALID_ARGUMENT = 3,
	RPC_DEADLINE_EXCEEDED = 4,
	RPC_NOT_FOUND = 5,
	RPC_ALREADY_EXISTS = 6,
	RPC_RESOURCE_EXHAUSTED = 8,
	RPC_FAILED_PRECONDITION = 9,
	RPC_UNIMPLEMENTED = 12,
	RPC_INTERNAL = 13,
};

struct ttrpc_frame {
	uint32_t length;
	uint32_t stream_id;
	uint8_t type;
	uint8_t flags;
	const uint8_t *payload; /* points into the scanned bytes */
};

enum ttrpc_scan_result {
	TTRPC_SCAN_MORE,    /* not a whole frame yet */
	TTRPC_SCAN_FRAME,   /* *frame is whole; *used bytes belong to it */
	TTRPC_SCAN_TOO_BIG, /* header read (stream id known), length refused */
};

/* Looks at the front of len buffered bytes. */
enum ttrpc_scan_result ttrpc_scan(const uint8_t *data, size_t len, struct ttrpc_frame *frame, size_t *used);

void ttrpc_header_put(uint8_t out[TTRPC_HEADER_LEN], uint32_t length, uint32_t stream_id, uint8_t type,
		      uint8_t flags);

/* The Request in a frame's payload, or NULL for bytes that are not one
 * (or one without a service and method). Free with ttrpc__request__free_unpacked. */
Ttrpc__Request *ttrpc_request_decode(const uint8_t *data, size_t len);

/* The status of a Response frame's payload (what a ttrpc client reads):
 * its code (RPC_OK without a status), with its message copied into msg
 * (msglen bytes, NUL-terminated); -1 for bytes that are not a Response. */
int ttrpc_response_status(const uint8_t *data, size_t len, char *msg, size_t msglen);

/* A whole response frame (header included) for stream_id: status code with
 * message, and payload (a packed response message; only with RPC_OK).
 * Returns malloc'd bytes and sets *frame_len. */
uint8_t *ttrpc_response_frame(uint32_t stream_id, enum rpc_code code, const char *message, const uint8_t *payload,
			      size_t payload_len, size_t *frame_len);

/* A whole request frame (the fuzzer's seeds and tests build these). */
uint8_t *ttrpc_request_frame(uint32_t stream_id, const char *service, const char *method, const uint8_t *payload,
			     size_t payload_len, size_t *frame_len);

#endif
