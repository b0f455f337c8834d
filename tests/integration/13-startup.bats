# Start-up as conmon 2.1.6 does it (issue 11): -l passthrough end to end,
# --syslog (ident, facility, priorities, the line) and every --log-level,
# and the exec session's -l log. Each test runs on the shim under test and
# passes on the oracle too (SHIM=/usr/bin/conmon), except the ones that say
# they are ptyshim's own.
bats_require_minimum_version 1.5.0
load lib

setup() {
	common_setup
	require_root
	require_shim
}

teardown() {
	common_teardown
}

# no_io_made DIR: neither the attach socket nor the ctl fifos are in DIR,
# nor the socket link in conmon's default socket dir.
no_io_made() {
	local f
	for f in attach ctl winsz; do
		[[ ! -e $1/$f ]] || { fail "$1/$f was made"; return 1; }
	done
	[[ ! -e /var/run/crio/$CID && ! -L /var/run/crio/$CID ]] || { fail "/var/run/crio/$CID was made"; return 1; }
}

# ------------------------------------------------------------------ passthrough

@test "passthrough (runc): the container writes to the shim's own stdout and stderr; no socket, no fifos" {
	ctr_new -- sh -c 'echo out-line; echo err-line >&2; exit 3'
	SHIM_RC=0
	# -i: the shim gets fakemgr's stdout and stderr, the files, as its own.
	"$FAKEMGR" -t 30 -i -- "$SHIM" "${SHIM_ARGS[@]}" -l passthrough </dev/null >"$B/out" 2>"$B/err" || SHIM_RC=$?
	[ "$SHIM_RC" = 0 ]
	CTR_PID=$(sed -n 's/^{"data": \([0-9]\+\)}$/\1/p' "$B/out")
	MON_PID=$(cat "$B/conmon.pid")
	[[ -n $CTR_PID ]]
	ctr_start
	wait_exit
	[ "$EXIT_CODE" = 3 ]
	wait_shim_gone
	cat "$B/out" "$B/err"
	[ "$(grep -v '^{"data"' "$B/out")" = out-line ]
	[ "$(cat "$B/err")" = err-line ]
	no_io_made "$B"
}

@test "passthrough (no runtime, ptyshim's own): the command gets the launcher's stdin, stdout and stderr; nothing else is made" {
	is_ptyshim || skip "runtime-less mode is a ptyshim extension"
	CID=$(new_cid)
	local d=$BATS_TEST_TMPDIR/nr rc=0
	mkdir -p "$d/exits"
	printf 'typed\n' >"$d/in"
	"$SHIM" -c "$CID" -u "$CID" -b "$d" --exit-dir "$d/exits" -l passthrough --socket-dir-path "$d/sockets" \
		--conmon-pidfile "$d/mon.pid" --no-runtime -- sh -c 'read x; echo "got $x"; echo err-line >&2; exit 4' \
		<"$d/in" >"$d/out" 2>"$d/err" || rc=$?
	[ "$rc" = 0 ]
	wait_for -m "exit file" test -f "$d/exits/$CID"
	[ "$(cat "$d/exits/$CID")" = 4 ]
	MON_PID=$(cat "$d/mon.pid")
	wait_shim_gone
	[ "$(cat "$d/out")" = "got typed" ]
	[ "$(cat "$d/err")" = err-line ]
	no_io_made "$d"
	[ ! -e "$d/sockets" ]
}

# ------------------------------------------------------------------ syslog

# syslog_run OUT PIDFILE CMD...: CMD in a private mount namespace whose
# /dev/log is a socat listener. Once CMD is done and the daemon whose pid is
# in PIDFILE has gone, a marker is sent and awaited, so every message is in;
# OUT gets one datagram a line, trailing blanks cut.
syslog_run() {
	local out=$1 pidfile=$2
	shift 2
	command -v socat >/dev/null || skip "socat is needed to listen on /dev/log"
	command -v logger >/dev/null || skip "logger is needed to mark the end of the messages"
	unshare -m bash -c '
		set -e
		raw=$1 pidfile=$2
		shift 2
		mount --make-rprivate /
		old=$(mktemp -d)
		mount --rbind /dev "$old"
		mount -t tmpfs none /dev
		for f in null zero full random urandom tty ptmx; do : >"/dev/$f"; mount --bind "$old/$f" "/dev/$f"; done
		mkdir /dev/pts /dev/shm
		mount --rbind "$old/pts" /dev/pts
		mount --rbind "$old/shm" /dev/shm
		socat -u UNIX-RECV:/dev/log,mode=666 "OPEN:$raw,creat,append" &
		sp=$!
		while [ ! -S /dev/log ]; do sleep 0.01; done
		"$@" || true
		for i in $(seq 500); do
			st=$(awk "{ sub(/^.*\\) /, \"\"); print \$1 }" "/proc/$(cat "$pidfile")/stat" 2>/dev/null) || break
			[ "$st" = Z ] && break
			sleep 0.02
		done
		logger -u /dev/log -d -t mark SYSLOG-END
		for i in $(seq 500); do grep -q SYSLOG-END "$raw" && break; sleep 0.02; done
		kill "$sp"' bash "$out.raw" "$pidfile" "$@"
	# Datagrams carry no separator of their own: each starts with <PRI>TIME.
	sed -E 's/<[0-9]{1,3}>[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} /\n&/g' "$out.raw" |
		sed -E 's/[[:space:]]+$//' | grep -v -e '^$' -e SYSLOG-END >"$out" || true
	cat "$out"
}

# failing_start DIR ARG...: the shim with a runtime that fails, --syslog and
# ARG, to DIR/syslog (through syslog_run). Sets PROG (the shim's name).
failing_start() {
	local dir=$1
	shift
	mkdir -p "$dir/b" "$dir/exits"
	printf '#!/bin/sh\nexit 1\n' >"$dir/rt"
	chmod +x "$dir/rt"
	PROG=$(basename "$SHIM")
	syslog_run "$dir/syslog" "$dir/mon.pid" env -u _OCI_SYNCPIPE "$SHIM" -u "$CID" -r "$dir/rt" -b "$dir/b" \
		-p "$dir/pidfile" --exit-dir "$dir/exits" --socket-dir-path "$dir/sock" --conmon-pidfile "$dir/mon.pid" \
		--syslog "$@" </dev/null >/dev/null 2>&1
}

# The syslog header: <PRI>, a timestamp, then the ident and ": " (no [pid]).
HDR='[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}'

@test "syslog: conmon's ident (the program), facility user, LOG_ERR for errors, LOG_INFO below, 'PROG CID <level>: text'" {
	CID=$(new_cid)
	local long=${CID}-and-more-than-twenty
	failing_start "$BATS_TEST_TMPDIR/a" -c "$long" -l none --log-level debug
	local s=$BATS_TEST_TMPDIR/a/syslog
	# user.err = <11>, user.info = <14>; the id is cut to 20 characters.
	grep -Eq "^<11>$HDR $PROG: $PROG ${long:0:20} <error>: ." "$s"
	grep -Eq "^<14>$HDR $PROG: $PROG ${long:0:20} <ndebug>: ." "$s"
	run ! grep -Ev "^<1[14]>$HDR $PROG: $PROG ${long:0:20} <(error|ndebug)>: " "$s"

	# With --log-tag the subject is "CID: TAG", cut to 20 as a whole.
	failing_start "$BATS_TEST_TMPDIR/b" -c short-id -l none --log-tag tg
	grep -Eq "^<11>$HDR $PROG: $PROG short-id: tg <error>: ." "$BATS_TEST_TMPDIR/b/syslog"
}

@test "syslog: every --log-level name, any case, lets through what conmon's does" {
	CID=$(new_cid)
	local level want n=0
	for level in PANIC Fatal error WARN Warning info DeBuG trace; do
		n=$((n + 1))
		failing_start "$BATS_TEST_TMPDIR/$n" -c "$CID" -l none --log-level "$level"
		case ${level,,} in
		debug) want="error ndebug" ;;
		trace) want="error ndebug ntrace" ;;
		*) want="error" ;;
		esac
		local got
		got=$(sed -En 's/^.* <([a-z]+)>: .*$/\1/p' "$BATS_TEST_TMPDIR/$n/syslog" | sort -u | paste -sd' ')
		echo "$level: $got"
		[ "$got" = "$want" ]
	done
}

# ------------------------------------------------------------------ exec log

# exec_session SID CMD: SHIM_ARGS for an exec session running CMD (sh -c)
# in $CID, logging to $SB/exec.log, without --exec-attach.
exec_session() {
	SB=$B/$1
	mkdir -p "$SB/exit"
	jq --arg cmd "$2" '.process | .args = ["sh", "-c", $cmd] | .terminal = false' "$B/config.json" >"$SB/spec"
	EXEC_ARGS=(--api-version 1 -c "$CID" -u "$1" -r "$RUNTIME_BIN" -b "$SB" -p "$SB/exec_pid" -n "$CID"
		--exit-dir "$SB/exit" --full-attach -l "k8s-file:$SB/exec.log" --log-level warning
		--runtime-arg --root --runtime-arg "$RT_ROOT" -e --exec-process-spec "$SB/spec")
}

@test "exec: the session writes its -l log, with a sync pipe and without one" {
	ctr_run -- sh -c 'while [ ! -e /share/go ]; do sleep 0.05; done'
	exec_session s1 'echo from-exec; echo err-exec >&2; exit 4'
	run "$FAKEMGR" -t 30 --messages 2 -- "$SHIM" "${EXEC_ARGS[@]}"
	echo "$output"
	[ "$status" = 0 ]
	[ "${lines[1]}" = '{"data": 4}' ]
	wait_for test -f "$SB/exit/$CID"
	check_log_format "$SB/exec.log"
	log_has "$SB/exec.log" stdout F from-exec
	log_has "$SB/exec.log" stderr F err-exec

	exec_session s2 'echo no-pipe; exit 5'
	local rc=0
	env -u _OCI_SYNCPIPE -u _OCI_STARTPIPE "$SHIM" "${EXEC_ARGS[@]}" </dev/null >"$SB/out" 2>"$SB/err" || rc=$?
	cat "$SB/out" "$SB/err"
	[ "$rc" = 0 ]
	wait_for test -f "$SB/exit/$CID"
	[ "$(cat "$SB/exit/$CID")" = 5 ]
	check_log_format "$SB/exec.log"
	log_has "$SB/exec.log" stdout F no-pipe
	touch "$B/share/go"
	wait_exit
	# The container's own log has none of it.
	run ! grep -q -e from-exec -e no-pipe "$LOGFILE"
}
