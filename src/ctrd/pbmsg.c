#include "ctrd/pbmsg.h"

#include "base/util.h"

uint8_t *pbmsg_pack(const ProtobufCMessage *m, size_t *len)
{
	*len = protobuf_c_message_get_packed_size(m);
	uint8_t *b = xmalloc(*len ? *len : 1);
	protobuf_c_message_pack(m, b);
	return b;
}

Google__Protobuf__Timestamp pbmsg_timestamp(const struct timespec *t)
{
	Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	ts.seconds = t->tv_sec;
	ts.nanos = (int32_t)t->tv_nsec;
	return ts;
}

Google__Protobuf__Timestamp pbmsg_now(void)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return pbmsg_timestamp(&now);
}
