#!/bin/bash
# tests/valgrind.sh [TESTS_GLOB...]: run the shim under valgrind (memcheck,
# full leak check, fd tracking) through the integration tests of the main
# scenarios, and report every invalid access, every definite leak and the
# fds each shim process still had open when it exited.
#
# The shim is replaced by a wrapper that execs valgrind on bin/ptyshim
# (--trace-children=no: the runtime and the exit command run natively; the
# daemonized monitor is a fork, so valgrind follows it). One log per process
# in $VG_DIR (default build/valgrind), then a summary. The tests themselves
# run unchanged; the shim is slower under valgrind, so they may need their
# caps raised (WAIT_CAP, FAKEMGR_TIMEOUT; set below).
#
# The containerd shim (bin/containerd-shim-ptyshim-v1) gets the same
# treatment through 60-containerd: containerd finds a wrapper of that name
# (CT_SHIM), which execs valgrind on the real binary; its daemonized server
# is a fork, so valgrind follows it too.
#
# Default scenarios: pipe mode, terminal mode, exit files and exit command,
# attach (the client against the shim), create failures, containerd:
#   03-pipe-mode 04-terminal 05-exit 25-attach-client 02-create 60-containerd
# Environment: VG_DIR, VALGRIND (default valgrind), NO_BUILD=1 (skip make).
# Exit status: 0 clean; 1 when valgrind found errors or definite leaks, or
# the tests failed; 77 when valgrind is not installed.
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD
VALGRIND=${VALGRIND:-valgrind}
VG_DIR=${VG_DIR:-$ROOT/build/valgrind}
[[ $VG_DIR == /* ]] || VG_DIR=$ROOT/$VG_DIR

if ! command -v "$VALGRIND" >/dev/null; then
	echo "valgrind: $VALGRIND is not installed" >&2
	exit 77
fi
if [[ -z ${NO_BUILD:-} ]]; then
	make -s all || exit 2
fi
# A sanitizer build cannot run under valgrind.
if nm "$ROOT/bin/ptyshim" 2>/dev/null | grep -q __asan_init; then
	echo "valgrind: bin/ptyshim is an ASan build; run make (without SANITIZE=1) first" >&2
	exit 2
fi

scenarios=("$@")
((${#scenarios[@]} > 0)) || scenarios=(03-pipe-mode 04-terminal 05-exit 25-attach-client 02-create 60-containerd)

rm -rf "$VG_DIR"
mkdir -p "$VG_DIR/logs"
# write_wrapper PATH BINARY: a script at PATH that runs BINARY under valgrind.
write_wrapper() {
	cat >"$1" <<EOF
#!/bin/sh
# valgrind wrapper for $2, made by tests/valgrind.sh
exec $(printf %q "$VALGRIND") --quiet --tool=memcheck --leak-check=full \\
	--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite \\
	--track-fds=yes --trace-children=no --child-silent-after-fork=no \\
	--log-file=$(printf %q "$VG_DIR/logs/vg.%p.log") \\
	$(printf %q "$2") "\$@"
EOF
	chmod +x "$1"
}
WRAPPER=$VG_DIR/ptyshim
write_wrapper "$WRAPPER" "$ROOT/bin/ptyshim"
mkdir -p "$VG_DIR/ctrd"
CT_WRAPPER=$VG_DIR/ctrd/containerd-shim-ptyshim-v1
write_wrapper "$CT_WRAPPER" "$ROOT/bin/containerd-shim-ptyshim-v1"

status=0
for s in "${scenarios[@]}"; do
	echo "== $s"
	if ! SHIM=$WRAPPER CT_SHIM=$CT_WRAPPER TESTS=$s WAIT_CAP=${WAIT_CAP:-60} FAKEMGR_TIMEOUT=${FAKEMGR_TIMEOUT:-90} \
		BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-300} tests/run integration 2>&1 | tail -n 40; then
		echo "valgrind: tests of $s failed under valgrind (see above)"
		status=1
	fi
done

# ---- summary
shopt -s nullglob
logs=("$VG_DIR"/logs/vg.*.log)
echo
echo "==== valgrind summary: ${#logs[@]} shim processes"
bad=0
for log in "${logs[@]}"; do
	pid=${log##*/vg.}
	pid=${pid%.log}
	errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -1)
	lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -1 | tr -d ,)
	invalid=$(grep -cE '(Invalid (read|write|free)|uninitialised|Mismatched free|overlap|Syscall param)' "$log")
	# fds open at exit, other than 0-2 and valgrind's own log
	open_fds=$(awk '/Open (file descriptor|AF_UNIX socket|AF_INET)/ {
			sub(/.*Open /, ""); print }' "$log" | grep -v -E 'descriptor [012]:|vg\.[0-9]+\.log' | sort | uniq -c |
		sed 's/^ */    /')
	if [[ ${errors:-0} != 0 || ${lost:-0} != 0 || $invalid != 0 ]]; then
		bad=$((bad + 1))
		echo "-- pid $pid: ${errors:-?} errors, ${lost:-0} bytes definitely lost ($log)"
		grep -vE '^==[0-9]+== *$' "$log" | sed -n '1,80p' | sed 's/^/    /'
	elif [[ -n $open_fds && -n ${VG_SHOW_FDS:-} ]]; then
		echo "-- pid $pid: clean; fds open at exit:"
		echo "$open_fds"
	fi
done
# Processes that end with exit() (the monitor, failures before daemonizing)
# are the ones whose open fds say something; list them once, aggregated.
echo
echo "fds open at exit (all processes, not counting 0-2; a fork's parent exits with _exit and keeps everything):"
cat "${logs[@]}" /dev/null | awk '/Open (file descriptor|AF_UNIX socket)/ { sub(/^==[0-9]+== */, ""); sub(/\/tmp\/bats-run-[^ ]*/, "<test dir>"); print }' |
	grep -v -E 'descriptor [012]:|vg\.[0-9]+\.log' | sed -E 's/descriptor [0-9]+/descriptor N/; s/socket [0-9]+/socket N/' |
	sort | uniq -c | sort -rn | head -20 | sed 's/^/  /'
echo
if ((bad > 0)); then
	echo "valgrind: $bad of ${#logs[@]} shim processes had errors or definite leaks"
	status=1
else
	echo "valgrind: no invalid access and no definite leak in ${#logs[@]} shim processes"
fi
exit $status
