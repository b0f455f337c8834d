/* The attach socket's wire format, conmon's: SOCK_SEQPACKET; shim -> client
 * datagrams are one stream byte (2 stdout, 3 stderr) and at most 8192 bytes
 * of output (podman reads with an 8193-byte buffer and a bigger datagram
 * would be truncated); client -> shim datagrams are raw stdin bytes, up to
 * 32 KiB (podman's copy buffer). Detaching is the client's business. */
#ifndef PTYSHIM_ATTACH_PROTO_H
#define PTYSHIM_ATTACH_PROTO_H

#define ATTACH_STREAM_STDIN 1
#define ATTACH_STREAM_STDOUT 2
#define ATTACH_STREAM_STDERR 3
#define ATTACH_MAX_PAYLOAD 8192
#define ATTACH_MAX_INPUT 32768

#endif
