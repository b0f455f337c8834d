#!/bin/bash
# demo/run-demo.sh: what `make demo` runs after tests/deps.sh and make all.
# On a terminal it starts ptyman with `run -it`, so the person lands in a
# busybox container (or, without root, in a shell run by ptyshim
# --no-runtime) and gets the ptyman prompt after detaching or exiting.
# Without a terminal on stdin (CI, a pipe) it must never wait for a person:
# it says so in one line and runs a short scripted demonstration instead.
#
# Usage: demo/run-demo.sh [--no-build]
#   --no-build       do not run tests/deps.sh and make (make demo did)
# Environment:
#   PTYMAN_STATE=dir ptyman's state directory (default: ptyman's own
#                    default on a terminal, a temporary one otherwise)
set -u
cd "$(dirname "$0")/.." || exit 1

build=true
case ${1:-} in
--no-build) build=false ;;
"") ;;
*)
	echo "usage: demo/run-demo.sh [--no-build]" >&2
	exit 2
	;;
esac
# Under make, the demo target has already done both.
if $build && [[ -z ${MAKELEVEL:-} ]]; then
	tests/deps.sh || exit 1
	make -s all || exit 1
fi

PTYMAN=demo/bin/ptyman
if [[ ! -x $PTYMAN ]]; then
	echo "ptyman demo: $PTYMAN is missing (run make)" >&2
	exit 1
fi
state_args=()
[[ -n ${PTYMAN_STATE:-} ]] && state_args=(--state "$PTYMAN_STATE")

if [[ -t 0 && -t 1 ]]; then
	cat <<-'EOF'
		ptyman demo: you are about to land in a busybox container run by runc and watched
		by ptyshim. ctrl-p ctrl-q detaches (the container keeps running); exit ends it.
		At the ptyman> prompt: ps, attach NAME, exec -it NAME sh, logs NAME, replay NAME,
		kill NAME, rm NAME, help, quit. Tab completes commands and container names.

	EOF
	exec "$PTYMAN" "${state_args[@]}" --start "run -it"
fi

echo "ptyman demo: stdin is not a terminal, so no prompt: here is a short scripted demonstration instead."
own_state=""
if [[ -z ${PTYMAN_STATE:-} ]]; then
	own_state=$(mktemp -d "${TMPDIR:-/tmp}/ptyman-demo.XXXXXX") || exit 1
	state_args=(--state "$own_state")
fi
cleanup() {
	"$PTYMAN" "${state_args[@]}" rm -f hello ticker term >/dev/null 2>&1
	[[ -n $own_state ]] && rm -rf "$own_state"
}
trap cleanup EXIT

# One command per line, echoed after the prompt as if typed. Each container
# ends by itself, so nothing here waits for a person.
"$PTYMAN" "${state_args[@]}" --echo <<-'EOF'
	run --name hello sh -c 'echo "hello from $(hostname), pid $$"; exit 3'
	run -d --name ticker sh -c 'for i in 1 2 3; do echo "tick $i"; sleep 0.2; done'
	wait ticker
	logs ticker
	run -t --name term sh -c 'echo "on a terminal: $(tty), TERM=$TERM"'
	ps
	rm hello ticker term
EOF
