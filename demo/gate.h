/* gate: the runtime-less mode's stand-in for runc's exec.fifo. Without a
 * runtime, `run` starts ptyshim --no-runtime with this program as the
 * command, re-executed as `ptyman --gate FIFO -- CMD…`: the gate blocks
 * opening FIFO until the manager opens it (after its attach client
 * connected, which is what runc start waits for), writes "0" when CMD can
 * run or "1REASON" when it cannot, then becomes CMD. So no early output is
 * lost to a client that was not there yet. */
#ifndef PTYMAN_GATE_H
#define PTYMAN_GATE_H

#include "ctr.h"
#include "ptyman.h"

/* The gate's side: main of `ptyman --gate FIFO -- CMD…`. Returns only on
 * failure: 127 (not found, usage), 126 (not executable). */
int gate_main(int argc, char **argv);
/* The manager's side, `runc start` for a host command: opens c's gate and
 * reads its verdict. 0, or -1 with the reason printed. */
int gate_open(const struct ptyman *pm, const struct ctr *c);

#endif
