/* pbmsg: what every part of the containerd shim does with protobuf-c
 * messages: pack one into an allocated buffer, and stamp a time the way
 * containerd's messages carry it (google.protobuf.Timestamp). */
#ifndef PTYSHIM_CTRD_PBMSG_H
#define PTYSHIM_CTRD_PBMSG_H

#include <protobuf-c/protobuf-c.h>
#include <stdint.h>
#include <time.h>

#include "google/protobuf/timestamp.pb-c.h"

/* The packed message, allocated (at least one byte); *len its length. */
uint8_t *pbmsg_pack(const ProtobufCMessage *m, size_t *len);

Google__Protobuf__Timestamp pbmsg_timestamp(const struct timespec *t);
/* CLOCK_REALTIME now. */
Google__Protobuf__Timestamp pbmsg_now(void);

#endif
