/* ptyshim-attach: attach the user's terminal (or a pipe) to a running
 * container through the shim's attach socket. The wire protocol is conmon's
 * (conmon-interface.md §4, §5), so this works with conmon-run containers as
 * well as ptyshim-run ones:
 *   in:  raw stdin bytes, one datagram of at most 32 KiB per send;
 *   out: datagrams "[stream][payload]", stream 2 = stdout, 3 = stderr;
 *   ctl: "1 ROWS COLS\n" lines into the bundle's ctl fifo to resize.
 * The modules: opts (command line), bundle (the target's files), peer (the
 * shim and its exit file), setup (connecting, choosing the input mode),
 * session (the relay loop) with sendq, resize, rlmode and output under it,
 * sigwatch (signals), exitwatch (the exit code) and endnote (why there is
 * none); snapclient is --snapshot, which does not attach at all. Exit
 * statuses: prog.h. */
#include <signal.h>

#include "attach/opts.h"
#include "attach/prog.h"
#include "attach/session.h"
#include "attach/setup.h"
#include "attach/snapclient.h"
#include "base/diag.h"

int main(int argc, char **argv)
{
	diag_init(ATTACH_PROG);
	signal(SIGPIPE, SIG_IGN);
	/* Restoring the terminal from the background must not stop us. */
	signal(SIGTTOU, SIG_IGN);

	struct attach_opts o;
	opts_parse(argc, argv, &o);
	if (o.snapshot)
		return snapclient_run(&o);

	struct session s;
	session_init(&s);
	int status = setup_session(&s, &o);
	if (status == 0) {
		session_run(&s);
		status = session_finish(&s, o.exit_timeout_ms);
	}
	session_free(&s);
	return status;
}
