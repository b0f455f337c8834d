# lib-fault.bash: helpers of the fault and security tests (8N-*.bats), on top
# of lib.bash. Background helpers started here are recorded and killed in
# fault_teardown, so a failing test never leaves a client or a manager behind.

ATTACHPEER=$BUILD/helpers/attachpeer

fault_setup() {
	common_setup
	require_root
	require_shim
	[[ -x $ATTACHPEER ]] || fail "$ATTACHPEER is missing (run make)"
	: >"$BATS_TEST_TMPDIR/.bgpids"
}

fault_teardown() {
	local pid
	if [[ -f $BATS_TEST_TMPDIR/.bgpids ]]; then
		while read -r pid; do
			[[ -n $pid ]] || continue
			kill -CONT "$pid" 2>/dev/null || true
			kill -KILL "$pid" 2>/dev/null || true
		done <"$BATS_TEST_TMPDIR/.bgpids"
	fi
	syslog_capture_stop
	common_teardown
}

# bg_track PID: kill PID in teardown.
bg_track() {
	echo "$1" >>"$BATS_TEST_TMPDIR/.bgpids"
}

# peer_bg NAME ATTACHPEER_ARGS...: run attachpeer in the background, output
# in $B/NAME.out and $B/NAME.err; sets PEER_PID.
peer_bg() {
	local name=$1
	shift
	"$ATTACHPEER" "$@" >"$B/$name.out" 2>"$B/$name.err" &
	PEER_PID=$!
	bg_track "$PEER_PID"
}

# set_runtime PATH: the shim runs PATH as its runtime (-r).
set_runtime() {
	local i
	for ((i = 0; i < ${#SHIM_ARGS[@]}; i++)); do
		if [[ ${SHIM_ARGS[i]} == -r ]]; then
			SHIM_ARGS[i + 1]=$1
			return 0
		fi
	done
	fail "set_runtime: no -r in SHIM_ARGS"
}

# runtime_wrapper NAME <<'EOF' ... EOF: a runtime script $B/NAME made of the
# shell code on stdin; "$RT" in it is the real runtime, "$B" the bundle.
# It ends by exec'ing the real runtime with the arguments it got (unless the
# code exits or execs first).
runtime_wrapper() {
	local path=$B/$1
	{
		echo '#!/bin/sh'
		printf 'RT=%q\nB=%q\n' "$RUNTIME_BIN" "$B"
		cat
		echo 'exec "$RT" "$@"'
	} >"$path"
	chmod +x "$path"
	echo "$path"
}

# mon_fd_count PID: how many fds PID has open.
mon_fd_count() {
	ls "/proc/$1/fd" | wc -l
}

# mon_sockets PID: how many of PID's fds are sockets.
mon_sockets() {
	ls -l "/proc/$1/fd" 2>/dev/null | grep -c 'socket:' || true
}

# mon_rss_kb PID: resident set size in kB.
mon_rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# log_bytes FILE [STREAM]: bytes of container output the log holds.
log_bytes() {
	LC_ALL=C awk -v want="${2:-}" '{
		ts = $1; stream = $2; tag = $3
		if (want != "" && stream != want) next
		n += length($0) - (length(ts) + length(stream) + length(tag) + 3) + (tag == "F" ? 1 : 0)
	} END { printf "%d\n", n }' "$1"
}

# ctr_state: the runtime's status of the current container ("created",
# "running", "stopped"), empty when it does not exist.
ctr_state() {
	rt state "$CID" 2>/dev/null | jq -r .status 2>/dev/null || true
}

# Predicates for wait_for (which re-runs a command, so a $(...) in its
# arguments would be evaluated only once).
ctr_state_is() { [[ $(ctr_state) == "$1" ]]; }
sockets_ge() { (($(mon_sockets "$1") >= $2)); }
sockets_eq() { (($(mon_sockets "$1") == $2)); }
size_gt() { (($(stat -c %s "$1" 2>/dev/null || echo 0) > $2)); }

# leftover_pids CID...: live processes whose command line names one of the
# ids (_pids_with_cid also finds its own short-lived grep).
leftover_pids() {
	local p
	for p in $(_pids_with_cid "$@"); do
		if pid_alive "$p"; then
			echo "$p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" >&2
			echo "$p"
		fi
	done
}
fds_eq() { (($(mon_fd_count "$1") == $2)); }

# syslog_capture_start: when the machine has no syslog (/dev/log missing),
# listen on /dev/log for the duration of the test, so the shim's --syslog
# diagnostics (its only voice once daemonized) can be checked. Sets
# SYSLOG_FILE to the capture, or to "" when capturing is not possible (a
# real syslog owns /dev/log, or socat is missing). One test at a time, even
# across concurrent runs, thanks to a lock; syslog_capture_stop (called by
# fault_teardown) removes the socket again.
syslog_capture_start() {
	SYSLOG_FILE=""
	command -v socat >/dev/null || return 0
	[[ -e /dev/log ]] && return 0
	exec 8>/run/ptyshim-test-devlog.lock
	flock -w 60 8 || return 0
	[[ -e /dev/log ]] && return 0
	SYSLOG_FILE=$BATS_TEST_TMPDIR/syslog
	: >"$SYSLOG_FILE"
	socat -u UNIX-RECV:/dev/log,mode=0600 "OPEN:$SYSLOG_FILE,creat,append" &
	_SYSLOG_PID=$!
	bg_track "$_SYSLOG_PID"
	echo "$_SYSLOG_PID" >"$BATS_TEST_TMPDIR/.syslog-pid"
	wait_for -t 5 -m "/dev/log listener" test -S /dev/log || { SYSLOG_FILE=""; return 0; }
}

syslog_capture_stop() {
	[[ -f $BATS_TEST_TMPDIR/.syslog-pid ]] || return 0
	kill "$(cat "$BATS_TEST_TMPDIR/.syslog-pid")" 2>/dev/null || true
	rm -f /dev/log "$BATS_TEST_TMPDIR/.syslog-pid"
	exec 8>&-
}
