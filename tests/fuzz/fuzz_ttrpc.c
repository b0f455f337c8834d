/* fuzz_ttrpc: the containerd shim's ttrpc frame scanner and message
 * decoding (src/ctrd/ttrpc.c) on arbitrary bytes: a stream of frames as a
 * connection's buffer holds it, each frame's payload decoded as a
 * ttrpc.Request and the Request's payload as the Task service's messages,
 * and as a ttrpc.Response the way the event publisher reads containerd's
 * answers.
 *
 * Checked against the contract in ctrd/ttrpc.h: the scanner never claims
 * more bytes than it was given, a whole frame is exactly the header and
 * `length` bytes, a length over TTRPC_MESSAGE_MAX is refused whatever
 * follows; a Request that decodes, encoded again with ttrpc_request_frame,
 * scans and decodes to the same service, method and payload; every status
 * answer scans back as one whole response frame. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrd/ttrpc.h"
#include "github.com/containerd/containerd/runtime/v2/task/shim.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "fuzz_ttrpc: %s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                                        \
			abort();                                                         \
		}                                                                        \
	} while (0)

static const ProtobufCMessageDescriptor *const task_messages[] = {
	&containerd__task__v2__create_task_request__descriptor,
	&containerd__task__v2__exec_process_request__descriptor,
	&containerd__task__v2__state_request__descriptor,
	&containerd__task__v2__kill_request__descriptor,
	&containerd__task__v2__resize_pty_request__descriptor,
};

static void check_round_trip(const Ttrpc__Request *req, uint32_t stream_id)
{
	size_t len, used = 0;
	uint8_t *frame = ttrpc_request_frame(stream_id, req->service, req->method, req->payload.data,
					     req->payload.len, &len);
	struct ttrpc_frame f;
	CHECK(ttrpc_scan(frame, len, &f, &used) == TTRPC_SCAN_FRAME);
	CHECK(used == len && f.stream_id == stream_id && f.type == TTRPC_TYPE_REQUEST);
	Ttrpc__Request *again = ttrpc_request_decode(f.payload, f.length);
	CHECK(again != NULL);
	CHECK(strcmp(again->service, req->service) == 0 && strcmp(again->method, req->method) == 0);
	CHECK(again->payload.len == req->payload.len);
	CHECK(req->payload.len == 0 || memcmp(again->payload.data, req->payload.data, req->payload.len) == 0);
	ttrpc__request__free_unpacked(again, NULL);
	free(frame);
}

static void check_answer(uint32_t stream_id, const char *message)
{
	size_t len, used = 0;
	uint8_t *frame = ttrpc_response_frame(stream_id, RPC_INVALID_ARGUMENT, message, NULL, 0, &len);
	struct ttrpc_frame f;
	CHECK(ttrpc_scan(frame, len, &f, &used) == TTRPC_SCAN_FRAME && used == len);
	CHECK(f.type == TTRPC_TYPE_RESPONSE && f.stream_id == stream_id);
	Ttrpc__Response *resp = ttrpc__response__unpack(NULL, f.length, f.payload);
	CHECK(resp && resp->status && resp->status->code == RPC_INVALID_ARGUMENT);
	ttrpc__response__free_unpacked(resp, NULL);
	free(frame);
}

static void handle_frame(const struct ttrpc_frame *f)
{
	char msg[64];
	int code = ttrpc_response_status(f->payload, f->length, msg, sizeof(msg));
	CHECK(code < 0 || strlen(msg) < sizeof(msg));
	Ttrpc__Request *req = ttrpc_request_decode(f->payload, f->length);
	if (!req) {
		check_answer(f->stream_id, "ttrpc: malformed request");
		return;
	}
	for (size_t i = 0; i < sizeof(task_messages) / sizeof(task_messages[0]); i++) {
		ProtobufCMessage *m =
			protobuf_c_message_unpack(task_messages[i], NULL, req->payload.len, req->payload.data);
		if (m)
			protobuf_c_message_free_unpacked(m, NULL);
	}
	check_round_trip(req, f->stream_id);
	check_answer(f->stream_id, req->method);
	ttrpc__request__free_unpacked(req, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	while (off < size) {
		struct ttrpc_frame f;
		size_t used = 0;
		enum ttrpc_scan_result r = ttrpc_scan(data + off, size - off, &f, &used);
		if (r == TTRPC_SCAN_MORE) {
			CHECK(size - off < TTRPC_HEADER_LEN || size - off - TTRPC_HEADER_LEN < f.length);
			break;
		}
		if (r == TTRPC_SCAN_TOO_BIG) {
			CHECK(f.length > TTRPC_MESSAGE_MAX);
			break;
		}
		CHECK(used == TTRPC_HEADER_LEN + (size_t)f.length && used <= size - off);
		CHECK(f.payload == data + off + TTRPC_HEADER_LEN);
		handle_frame(&f);
		off += used;
	}
	return 0;
}
