#include "ctrd/ttrpc.h"

#include <stdio.h>
#include <string.h>

#include "base/util.h"

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

enum ttrpc_scan_result ttrpc_scan(const uint8_t *data, size_t len, struct ttrpc_frame *frame, size_t *used)
{
	if (len < TTRPC_HEADER_LEN)
		return TTRPC_SCAN_MORE;
	frame->length = get_be32(data);
	frame->stream_id = get_be32(data + 4);
	frame->type = data[8];
	frame->flags = data[9];
	frame->payload = data + TTRPC_HEADER_LEN;
	if (frame->length > TTRPC_MESSAGE_MAX)
		return TTRPC_SCAN_TOO_BIG;
	if (len - TTRPC_HEADER_LEN < frame->length)
		return TTRPC_SCAN_MORE;
	*used = TTRPC_HEADER_LEN + (size_t)frame->length;
	return TTRPC_SCAN_FRAME;
}

void ttrpc_header_put(uint8_t out[TTRPC_HEADER_LEN], uint32_t length, uint32_t stream_id, uint8_t type,
		      uint8_t flags)
{
	put_be32(out, length);
	put_be32(out + 4, stream_id);
	out[8] = type;
	out[9] = flags;
}

Ttrpc__Request *ttrpc_request_decode(const uint8_t *data, size_t len)
{
	Ttrpc__Request *req = ttrpc__request__unpack(NULL, len, data);
	if (!req)
		return NULL;
	if (!req->service || !req->method || !req->service[0] || !req->method[0]) {
		ttrpc__request__free_unpacked(req, NULL);
		return NULL;
	}
	return req;
}

int ttrpc_response_status(const uint8_t *data, size_t len, char *msg, size_t msglen)
{
	Ttrpc__Response *resp = ttrpc__response__unpack(NULL, len, data);
	if (!resp)
		return -1;
	int code = resp->status ? resp->status->code : RPC_OK;
	if (msglen > 0)
		snprintf(msg, msglen, "%s", resp->status && resp->status->message ? resp->status->message : "");
	ttrpc__response__free_unpacked(resp, NULL);
	return code;
}

static uint8_t *pack_frame(uint32_t stream_id, uint8_t type, const ProtobufCMessage *msg, size_t *frame_len)
{
	size_t body = protobuf_c_message_get_packed_size(msg);
	uint8_t *out = xmalloc(TTRPC_HEADER_LEN + body);
	protobuf_c_message_pack(msg, out + TTRPC_HEADER_LEN);
	ttrpc_header_put(out, (uint32_t)body, stream_id, type, 0);
	*frame_len = TTRPC_HEADER_LEN + body;
	return out;
}

uint8_t *ttrpc_response_frame(uint32_t stream_id, enum rpc_code code, const char *message, const uint8_t *payload,
			      size_t payload_len, size_t *frame_len)
{
	Ttrpc__Response resp = TTRPC__RESPONSE__INIT;
	Google__Rpc__Status status = GOOGLE__RPC__STATUS__INIT;
	status.code = code;
	status.message = (char *)(message ? message : "");
	resp.status = &status;
	if (code == RPC_OK && payload_len > 0) {
		resp.payload.data = (uint8_t *)payload;
		resp.payload.len = payload_len;
	}
	return pack_frame(stream_id, TTRPC_TYPE_RESPONSE, &resp.base, frame_len);
}

uint8_t *ttrpc_request_frame(uint32_t stream_id, const char *service, const char *method, const uint8_t *payload,
			     size_t payload_len, size_t *frame_len)
{
	Ttrpc__Request req = TTRPC__REQUEST__INIT;
	req.service = (char *)service;
	req.method = (char *)method;
	req.payload.data = (uint8_t *)payload;
	req.payload.len = payload_len;
	return pack_frame(stream_id, TTRPC_TYPE_REQUEST, &req.base, frame_len);
}
