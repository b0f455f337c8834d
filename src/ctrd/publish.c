#include "ctrd/publish.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/child.h"
#include "base/diag.h"
#include "base/util.h"
#include "google/protobuf/any.pb-c.h"

static uint8_t *pack_any(const char *type_url, const ProtobufCMessage *event, size_t *len)
{
	size_t n = protobuf_c_message_get_packed_size(event);
	uint8_t *value = xmalloc(n ? n : 1);
	protobuf_c_message_pack(event, value);
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	any.type_url = (char *)type_url;
	any.value.data = value;
	any.value.len = n;
	*len = google__protobuf__any__get_packed_size(&any);
	uint8_t *out = xmalloc(*len ? *len : 1);
	google__protobuf__any__pack(&any, out);
	free(value);
	return out;
}

void publish_event(const struct publisher *pub, const char *topic, const char *type_url,
		   const ProtobufCMessage *event)
{
	if (!pub->binary || !pub->binary[0] || !pub->address || !pub->address[0])
		return;
	size_t len;
	uint8_t *data = pack_any(type_url, event, &len);
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		diag_warn("publish %s: pipe: %s", topic, strerror(errno));
		free(data);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		child_reset_signals();
		dup2(fds[0], 0);
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, 1);
		execlp(pub->binary, pub->binary, "--address", pub->address, "publish", "--topic", topic,
		       "--namespace", pub->namespace, (char *)NULL);
		_exit(127);
	}
	close_fd(&fds[0]);
	if (pid < 0)
		diag_warn("publish %s: fork: %s", topic, strerror(errno));
	/* An event is a few hundred bytes: the pipe takes it whole at once. */
	else if (write_all(fds[1], data, len) < 0)
		diag_warn("publish %s: %s", topic, strerror(errno));
	close_fd(&fds[1]);
	free(data);
}
