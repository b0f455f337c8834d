# Runtime-less mode (issue 6, item 1): `ptyshim --no-runtime ... -- CMD` runs
# CMD itself under a PTY (-t) or pipes, with the attach socket, the ctl fifo,
# the k8s-file log, the exit file and the exit command working as they do with
# a runtime. It needs no root, so every test here runs the shim (and the
# launcher, and the clients) as an unprivileged user: as root that is
# NR_USER (created if missing) through setpriv, in a directory it owns; as a
# non-root runner, ourselves.
bats_require_minimum_version 1.5.0
load lib

NR_USER=${NR_USER:-ptyshimtest}
ATTACH=$ROOT/bin/ptyshim-attach

setup() {
	require_shim
	is_ptyshim || skip "runtime-less mode is a ptyshim extension ($SHIM is not ptyshim)"
	[[ -x $PTYDRIVE ]] || fail "$PTYDRIVE is missing (run make)"
	[[ -x $ATTACH ]] || fail "$ATTACH is missing (run make)"
	NR_LIST=$BATS_TEST_TMPDIR/.nr-list
	: >"$NR_LIST"
	AS=()
	if [[ $(id -u) != 0 ]]; then
		WORK=$BATS_TEST_TMPDIR
		NR_UID=$(id -u)
		return 0
	fi
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is needed to run the shim as $NR_USER"
	if ! id "$NR_USER" >/dev/null 2>&1; then
		useradd -m "$NR_USER" >/dev/null 2>&1 ||
			skip "running as root and cannot create the non-root user $NR_USER (useradd failed)"
	fi
	NR_UID=$(id -u "$NR_USER")
	local home
	home=$(getent passwd "$NR_USER" | cut -d: -f6)
	# BATS_TEST_TMPDIR is root's and private: the user gets a directory of its own.
	WORK=$(mktemp -d /tmp/ptyshim-nr.XXXXXX)
	chown "$NR_USER:" "$WORK"
	AS=(setpriv --reuid="$NR_UID" --regid="$(id -g "$NR_USER")" --init-groups --inh-caps=-all
		env -i "HOME=$home" "PATH=/usr/local/bin:/usr/bin:/bin" "TERM=xterm")
	local f
	for f in "$SHIM" "$FAKEMGR" "$PTYDRIVE" "$ATTACH"; do
		"${AS[@]}" test -x "$f" ||
			skip "$NR_USER cannot run $f (the build tree is not readable by other users)"
	done
}

# Everything a test started: the shims, the commands' sessions (the command is
# a session leader, so its session id is its pid), the launchers.
teardown() {
	local dir pid sid f rest pids=()
	while read -r dir; do
		[[ -n $dir ]] || continue
		for f in "$dir/mon.pid" "$dir/mgr.pid"; do
			[[ -s $f ]] && pids+=("$(cat "$f")")
		done
		[[ -s $dir/ctr.pid ]] || continue
		sid=$(cat "$dir/ctr.pid")
		for f in /proc/[0-9]*/stat; do
			read -r rest 2>/dev/null <"$f" || continue
			rest=${rest##*) }
			# state ppid pgrp session ...
			read -r _ _ _ pid _ <<<"$rest"
			[[ $pid == "$sid" ]] && pids+=("${f//[^0-9]/}")
		done
	done <"$NR_LIST"
	for pid in "${pids[@]}"; do
		pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	done
	if [[ ${#AS[@]} -gt 0 && -n ${WORK:-} && $WORK == /tmp/ptyshim-nr.* ]]; then
		rm -rf "$WORK"
	fi
	return 0
}

# as_user CMD...: run CMD as the unprivileged user.
as_user() {
	"${AS[@]}" "$@"
}

# nr_new [SHIM_OPTION...] -- CMD [ARG...]: prepare one runtime-less shim. Sets
#   CID, D (its bundle dir, owned by the user), EXITDIR, EXITFILE, LOGFILE,
#   NR_ARGS (the shim's whole command line).
nr_new() {
	local opts=()
	while [[ $# -gt 0 && $1 != -- ]]; do
		opts+=("$1")
		shift
	done
	shift
	local n
	n=$(($(wc -l <"$NR_LIST") + 1))
	CID=nr-${BATS_RUN_TMPDIR##*-}-${BATS_SUITE_TEST_NUMBER:-$BATS_TEST_NUMBER}-$n
	D=$WORK/$n
	EXITDIR=$D/exits
	EXITFILE=$EXITDIR/$CID
	LOGFILE=$D/ctr.log
	as_user mkdir -p "$EXITDIR"
	echo "$D" >>"$NR_LIST"
	NR_ARGS=(-c "$CID" -u "$CID" -n "$CID" -b "$D" --full-attach -l "k8s-file:$LOGFILE"
		--exit-dir "$EXITDIR" --conmon-pidfile "$D/mon.pid" --log-level warning
		"${opts[@]}" --no-runtime -- "$@")
	SYNC="" SHIM_RC="" CTR_PID="" MON_PID=""
}

# nr_create [FAKEMGR_OPTION...]: start it through fakemgr as the user. Sets
#   SYNC (the sync message), SHIM_RC (fakemgr's status), CTR_PID (the command's
#   pid from the sync message), MON_PID (the monitor, from --conmon-pidfile).
nr_create() {
	SHIM_RC=0
	as_user "$FAKEMGR" -t 10 -p "$D/mgr.pid" "$@" -- "$SHIM" "${NR_ARGS[@]}" \
		>"$D/.sync" 2>"$D/.err" 3>&- || SHIM_RC=$?
	SYNC=$(cat "$D/.sync")
	CTR_PID=$(sed -n 's/^{"\(data\|pid\)": \([0-9]\+\)}$/\2/p' "$D/.sync" | head -1)
	MON_PID=$(cat "$D/mon.pid" 2>/dev/null || true)
	[[ -n $CTR_PID ]] && echo "$CTR_PID" >"$D/ctr.pid"
	[[ -s $D/.err ]] && printf '# shim stderr: %s\n' "$(cat "$D/.err")" >&2
	return 0
}

# nr_run [SHIM_OPTION...] -- CMD [ARG...]: nr_new, nr_create, and check that
# the command was reported and that both it and the monitor are unprivileged.
nr_run() {
	nr_new "$@"
	nr_create
	[[ -n $CTR_PID && -n $MON_PID ]] ||
		{ fail "shim did not start $CID: status $SHIM_RC, sync '$SYNC', stderr: $(cat "$D/.err")"; return 1; }
	local pid
	for pid in "$MON_PID" "$CTR_PID"; do
		pid_alive "$pid" || continue # a quick command may be gone already
		[[ $(uid_of "$pid") == "$NR_UID" && $NR_UID != 0 ]] ||
			{ fail "process $pid runs as uid $(uid_of "$pid"), not the unprivileged $NR_UID"; return 1; }
	done
}

# uid_of PID: its real uid.
uid_of() {
	awk '/^Uid:/ { print $2 }' "/proc/$1/status"
}

# nr_exit: wait for the exit file; EXIT_CODE = its content.
nr_exit() {
	wait_for -m "exit file $EXITFILE" test -f "$EXITFILE" || return 1
	EXIT_CODE=$(cat "$EXITFILE")
}

# log_says TEXT: a line of the reassembled log is exactly TEXT.
log_says() {
	[[ -f $LOGFILE ]] && log_content "$LOGFILE" | grep -qxF -- "$1"
}

# ctl_write TEXT: write to the ctl fifo as the user.
ctl_write() {
	as_user sh -c 'printf "%s\n" "$2" >"$1"' sh "$D/ctl" "$1"
}

# fd_numbers PID: its open fds, sorted, on one line.
fd_numbers() {
	local f fds=()
	for f in "/proc/$1/fd/"*; do
		[[ -e $f || -L $f ]] && fds+=("${f##*/}")
	done
	printf '%s\n' "${fds[@]}" | sort -n | paste -sd' '
}

# fd_targets PID: where each of its fds points, one per line.
fd_targets() {
	local f
	for f in "/proc/$1/fd/"*; do
		readlink "$f" || true
	done
}

# ------------------------------------------------------------------ terminal

@test "no-runtime -t: the command runs as the user on a pts of the initial size; ctl resizes reach it; output is logged with \\r\\n" {
	nr_run -t --initial-size 30x100 -- sh -c '
		tty; stty size; echo waiting
		while [ ! -e "$1/go1" ]; do sleep 0.02; done
		stty size
		trap "echo winch \$(stty size)" WINCH
		echo armed
		while [ ! -e "$1/go2" ]; do sleep 0.02; done
		printf "a\nb\n"
		exit 0' sh "$WORK"
	# Both unprivileged; the command is the monitor's own child (no runtime between).
	[[ $(uid_of "$MON_PID") == "$NR_UID" && $(uid_of "$CTR_PID") == "$NR_UID" && $NR_UID != 0 ]]
	[[ $(ppid_of "$CTR_PID") == "$MON_PID" ]]
	wait_for -m "waiting in the log" log_says $'waiting\r'
	local pts
	pts=$(log_content "$LOGFILE" | head -1)
	[[ $pts =~ ^/dev/pts/[0-9]+$'\r'$ ]]
	pts=${pts%$'\r'}
	log_says $'30 100\r'
	# A resize before the command looks at its size (it waits for go1)...
	ctl_write "1 40 120"
	wait_for -m "$pts resized to 40 120" eval '[[ $(as_user stty -F "$pts" size </dev/null) == "40 120" ]]'
	touch "$WORK/go1"
	wait_for -m "armed in the log" log_says $'armed\r'
	log_says $'40 120\r'
	# ... and one while it runs: the kernel sends it SIGWINCH.
	ctl_write "1 50 132"
	wait_for -m "the WINCH trap's output" log_says $'winch 50 132\r'
	touch "$WORK/go2"
	nr_exit
	[ "$EXIT_CODE" = 0 ]
	check_log_format "$LOGFILE"
	cat "$LOGFILE"
	# The terminal turned \n into \r\n; every record is a whole stdout line.
	log_has "$LOGFILE" stdout F $'a\r'
	log_has "$LOGFILE" stdout F $'b\r'
	[[ $(log_content "$LOGFILE" stderr) == "" ]]
	wait_for -m "monitor $MON_PID to exit" pid_dead "$MON_PID"
}

@test "no-runtime -t -i: ptyshim-attach through a pty: type, detach, re-attach, exit 3 ends the client with 3" {
	nr_run -t -i -- env PS1='nr> ' sh -i
	# First attach: wait for a fresh prompt before typing (no type-ahead into
	# the old one: the attach's repaint shows the old prompt already, so the
	# fresh one is the one after a line break), check the reply, detach with
	# ctrl-p ctrl-q.
	run as_user "$PTYDRIVE" -t 10 -o "$D/tr1" \
		-e 'send \r' -e 'expect \r\nnr> ' \
		-e 'send echo hi\r' -e 'expect \r\nhi\r\n' -e 'expect nr> ' \
		-e 'send \x10\x11' -e 'wait 0' -- "$ATTACH" -t "$D"
	cat -v "$D/tr1"
	echo "$output"
	[ "$status" = 0 ]
	pid_alive "$CTR_PID"
	pid_alive "$MON_PID"
	[ ! -e "$EXITFILE" ]
	# Second attach: the shell is still there; exit 3 is the client's status.
	run as_user "$PTYDRIVE" -t 10 -o "$D/tr2" \
		-e 'send \r' -e 'expect \r\nnr> ' \
		-e 'send echo again\r' -e 'expect \r\nagain\r\n' -e 'expect nr> ' \
		-e 'send exit 3\r' -e 'wait 3' -- "$ATTACH" -t "$D"
	cat -v "$D/tr2"
	echo "$output"
	[ "$status" = 3 ]
	nr_exit
	[ "$EXIT_CODE" = 3 ]
	# The whole session is in the log, both attaches.
	check_log_format "$LOGFILE"
	log_says $'hi\r'
	log_says $'again\r'
	wait_for -m "monitor $MON_PID to exit" pid_dead "$MON_PID"
}

# ------------------------------------------------------------------ pipes

@test "no-runtime -i (pipes): stdin comes through the attach socket, the client's EOF ends cat, stdout and stderr stay apart" {
	nr_run -i -- sh -c 'cat; echo cat-done; echo to-err >&2; exit 0'
	local T=$BATS_TEST_TMPDIR
	# cat waits on its stdin (a pipe): nothing happens until a client writes.
	printf 'line1\nline2\n' >"$T/in"
	run --separate-stderr as_user "$ATTACH" -T "$D" <"$T/in"
	echo "status $status, stdout: $output, stderr: $stderr"
	[ "$status" = 0 ]
	[ "$output" = "$(printf 'line1\nline2\ncat-done')" ]
	[[ $stderr == *to-err* && $stderr != *line1* ]]
	nr_exit
	[ "$EXIT_CODE" = 0 ]
	check_log_format "$LOGFILE"
	cat "$LOGFILE"
	[ "$(log_content "$LOGFILE" stdout)" = "$(printf 'line1\nline2\ncat-done\n')" ]
	[ "$(log_content "$LOGFILE" stderr)" = "to-err" ]
	run ! grep -q $'\r' "$LOGFILE"
}

# ------------------------------------------------------------------ exit codes

@test "no-runtime: exit 7 is 7, SIGKILL is 137, --timeout 1 on sleep 60 is -1" {
	local d7 dk dt m7 mk mt
	nr_run -- sh -c 'echo bye; exit 7'
	d7=$EXITFILE m7=$MON_PID
	nr_run -- sh -c 'kill -KILL $$'
	dk=$EXITFILE mk=$MON_PID
	nr_run --timeout 1 -- sleep 60
	dt=$EXITFILE mt=$MON_PID
	local t=$CTR_PID
	wait_for -m "exit file $d7" test -f "$d7"
	[ "$(cat "$d7")" = 7 ]
	wait_for -m "exit file $dk" test -f "$dk"
	[ "$(cat "$dk")" = 137 ]
	wait_for -m "exit file $dt" test -f "$dt"
	[ "$(cat "$dt")" = -1 ]
	pid_dead "$t"
	local m
	for m in "$m7" "$mk" "$mt"; do
		wait_for -m "monitor $m to exit" pid_dead "$m"
	done
}

@test "no-runtime: SIGTERM to the monitor reaches the command (its trap runs) and its exit is recorded" {
	nr_run -- sh -c 'trap "echo got-term; exit 42" TERM; echo ready; while :; do sleep 0.02; done'
	wait_for -m "ready in the log" log_says ready
	kill -TERM "$MON_PID"
	nr_exit
	[ "$EXIT_CODE" = 42 ]
	log_says got-term
	wait_for -m "monitor $MON_PID to exit" pid_dead "$MON_PID"
}

@test "no-runtime: --exit-command runs after the exit file is written, with its arguments, empty ones kept" {
	local script=$WORK/exit-cmd
	cat >"$script" <<-'EOF'
		#!/bin/sh
		# $EXITFILE is passed as the first argument; everything goes to $2.out
		out=$2.out
		{
			echo "n=$#"
			for a; do echo "[$a]"; done
			echo "exitfile=$(cat "$1" 2>&1)"
		} >"$out.tmp" && mv "$out.tmp" "$out"
	EOF
	chmod 0755 "$script"
	nr_new --exit-command "$script" --exit-command-arg "PLACEHOLDER" --exit-command-arg "PLACEHOLDER" \
		--exit-command-arg "" --exit-command-arg "two words" --exit-command-arg "" -- sh -c 'exit 5'
	# The exit file and the output path are known only now.
	local i k=0
	for i in "${!NR_ARGS[@]}"; do
		if [[ ${NR_ARGS[i]} == PLACEHOLDER ]]; then
			((k++ == 0)) && NR_ARGS[i]=$EXITFILE || NR_ARGS[i]=$D/exitcmd
		fi
	done
	nr_create
	[[ -n $CTR_PID ]]
	wait_for -m "exit command output" test -f "$D/exitcmd.out"
	cat "$D/exitcmd.out"
	[ "$(cat "$D/exitcmd.out")" = "$(printf 'n=5\n[%s]\n[%s]\n[]\n[two words]\n[]\nexitfile=5' "$EXITFILE" "$D/exitcmd")" ]
	[ "$(cat "$EXITFILE")" = 5 ]
}

@test "no-runtime: a command that cannot be exec'd is a sync error (key data with --api-version, pid without), no exit file" {
	nr_new --api-version 1 -- /nonexistent/nr-cmd arg
	nr_create
	echo "sync: $SYNC"
	[ "$SYNC" = '{"data": -1, "message": "exec /nonexistent/nr-cmd: No such file or directory"}' ]
	[[ -n $MON_PID ]]
	wait_for -m "monitor $MON_PID to exit" pid_dead "$MON_PID"
	[ ! -e "$EXITFILE" ]

	nr_new -- no-such-command-nr
	nr_create
	echo "sync: $SYNC"
	[ "$SYNC" = '{"pid": -1, "message": "exec no-such-command-nr: No such file or directory"}' ]
	wait_for -m "monitor $MON_PID to exit" pid_dead "$MON_PID"
	[ ! -e "$EXITFILE" ]

	# Not executable: the message carries the errno of execvp.
	printf 'echo never\n' >"$WORK/not-exec"
	chmod 0644 "$WORK/not-exec"
	nr_new -t -- "$WORK/not-exec"
	nr_create
	echo "sync: $SYNC"
	[ "$SYNC" = "{\"pid\": -1, \"message\": \"exec $WORK/not-exec: Permission denied\"}" ]
	wait_for -m "monitor $MON_PID to exit" pid_dead "$MON_PID"
	[ ! -e "$EXITFILE" ]
	run ! log_says never
}

# ------------------------------------------------------------------ launcher

@test "no-runtime: the shim and its command outlive a launcher killed right after the sync message" {
	nr_new -- sh -c 'echo started; while [ ! -e "$1/go" ]; do sleep 0.02; done; echo finished; exit 5' sh "$WORK"
	nr_create -k
	# fakemgr -k SIGKILLs itself once it has the pid.
	[ "$SHIM_RC" = 137 ]
	[[ -n $CTR_PID && -n $MON_PID ]]
	wait_for -m "launcher gone" pid_dead "$(cat "$D/mgr.pid")"
	pid_alive "$MON_PID"
	pid_alive "$CTR_PID"
	wait_for -m "started in the log" log_says started
	touch "$WORK/go"
	nr_exit
	[ "$EXIT_CODE" = 5 ]
	log_says finished
	wait_for -m "monitor $MON_PID to exit" pid_dead "$MON_PID"
}

@test "no-runtime: no fd of the launcher reaches the command (terminal and pipe mode); the shim does hold them" {
	local mode dirs=() pids=() mons=() exits=()
	for mode in -t -i; do
		nr_new "$mode" -- sleep 60
		nr_create -f "7:$D/leak7" -f "12:$D/leak12"
		[[ -n $CTR_PID && -n $MON_PID ]] || fail "not started: $SYNC"
		dirs+=("$D") pids+=("$CTR_PID") mons+=("$MON_PID") exits+=("$EXITFILE")
	done
	local i fds
	for i in 0 1; do
		# The shim got them (else this test could not fail)...
		fd_targets "${mons[i]}" | grep -qxF "${dirs[i]}/leak7"
		fd_targets "${mons[i]}" | grep -qxF "${dirs[i]}/leak12"
		# ... the command sees only 0, 1 and 2.
		fd_targets "${pids[i]}"
		fds=$(fd_numbers "${pids[i]}")
		[ "$fds" = "0 1 2" ]
		[[ $(uid_of "${pids[i]}") == "$NR_UID" ]]
	done
	# The terminal command's 0-2 are its pts, the pipe command's stdin a pipe.
	[[ $(readlink "/proc/${pids[0]}/fd/0") == /dev/pts/* ]]
	[[ $(readlink "/proc/${pids[1]}/fd/0") == pipe:* ]]
	for i in 0 1; do
		kill -KILL "${pids[i]}"
		wait_for -m "exit file ${exits[i]}" test -f "${exits[i]}"
		[ "$(cat "${exits[i]}")" = 137 ]
	done
}

@test "no-runtime: the manager's pipe variables do not reach the command; -p gets its pid; background children go with it" {
	local pidfile
	local bgfile=$WORK/bg-pid
	nr_new -- sh -c 'env | grep -c "^_OCI_" || true; (trap "" HUP; exec sleep 30) & echo $! >"$0"; exit 0' "$bgfile"
	pidfile=$D/ctr.pidfile
	NR_ARGS=(-p "$pidfile" "${NR_ARGS[@]}")
	nr_create
	[[ -n $CTR_PID ]] || fail "not started: $SYNC $(cat "$D/.err")"
	nr_exit
	[ "$EXIT_CODE" = 0 ]
	# fakemgr starts the shim with _OCI_SYNCPIPE and _OCI_STARTPIPE set.
	log_says 0
	[ "$(cat "$pidfile")" = "$CTR_PID" ]
	wait_for -m "monitor $MON_PID to exit" pid_dead "$MON_PID"
	# The background child ignored SIGHUP; the SIGKILL at the end got it.
	local bg
	bg=$(cat "$bgfile")
	[[ -n $bg ]]
	wait_for -m "background child $bg to be gone" pid_dead "$bg"
}

# ------------------------------------------------------------------ start-up without a sync pipe

# nr_launch [ENV_ARG...]: run the shim ($NR_ARGS) as the user the way a
# person at a shell does: no manager, no sync pipe, the environment changed
# by ENV_ARG (env's: NAME=VALUE, -u NAME). Sets LAUNCH_RC and LAUNCH_ERR
# (its stderr).
nr_launch() {
	LAUNCH_RC=0
	as_user env -u _OCI_SYNCPIPE -u _OCI_STARTPIPE "$@" "$SHIM" "${NR_ARGS[@]}" \
		</dev/null >"$D/.lout" 2>"$D/.lerr" || LAUNCH_RC=$?
	LAUNCH_ERR=$(cat "$D/.lerr")
	echo "launcher: status $LAUNCH_RC, stderr: $LAUNCH_ERR, stdout: $(cat "$D/.lout")"
}

# launch_fails TEXT: the launcher exited 1 with exactly one line, TEXT.
launch_fails() {
	[ "$LAUNCH_RC" = 1 ] || { fail "launcher exited $LAUNCH_RC, not 1"; return 1; }
	[ "$LAUNCH_ERR" = "$1" ] || { fail "launcher said '$LAUNCH_ERR', not '$1'"; return 1; }
}

@test "start-up without a sync pipe: the launcher returns 0 once the command runs, and says nothing" {
	nr_new -- sh -c 'echo started; exit 6'
	nr_launch
	[ "$LAUNCH_RC" = 0 ]
	[ -z "$LAUNCH_ERR" ]
	[ ! -s "$D/.lout" ]
	nr_exit
	[ "$EXIT_CODE" = 6 ]
	log_says started
}

@test "start-up without a sync pipe: every failure after the fork reaches the launcher, status 1 and one line" {
	# A command that cannot be run.
	nr_new -- no-such-command-nr
	nr_launch
	launch_fails "ptyshim: exec no-such-command-nr: No such file or directory"
	[ ! -e "$EXITFILE" ]

	# A bundle that is not there (its socket cannot be made).
	nr_new -- true
	local i
	for i in "${!NR_ARGS[@]}"; do [[ ${NR_ARGS[i]} == "$D" ]] && NR_ARGS[i]=$D/missing; done
	nr_launch
	[ "$LAUNCH_RC" = 1 ]
	[[ $LAUNCH_ERR == "ptyshim: "*"$D/missing/attach"* && $LAUNCH_ERR != *$'\n'* ]]

	# A socket directory the user cannot write.
	nr_new -- true
	as_user mkdir -m 0500 "$D/ro"
	NR_ARGS=(--socket-dir-path "$D/ro" "${NR_ARGS[@]/--full-attach/--no-screen}")
	nr_launch
	launch_fails "ptyshim: attach socket: symlink $D/ro/$CID: Permission denied"

	# The runtime failing: its error text is the reason.
	nr_new -- true
	printf '#!/bin/sh\necho "runtime says no: $*" >&2\nexit 3\n' >"$WORK/rt-fail"
	chmod 0755 "$WORK/rt-fail"
	NR_ARGS=(-r "$WORK/rt-fail" -p "$D/pidfile" "${NR_ARGS[@]:0:${#NR_ARGS[@]}-3}")
	nr_launch
	[ "$LAUNCH_RC" = 1 ]
	[[ $LAUNCH_ERR == "ptyshim: runtime says no: create --bundle $D "*" $CID" && $LAUNCH_ERR != *$'\n'* ]]
	[ ! -e "$EXITFILE" ]
}

@test "start-up without a sync pipe: a daemon that dies without a word makes the launcher say so" {
	nr_new -- true
	# The runtime kills the daemon (its parent) before anything is reported.
	printf '#!/bin/sh\nkill -KILL $PPID\n' >"$WORK/rt-kill"
	chmod 0755 "$WORK/rt-kill"
	NR_ARGS=(-r "$WORK/rt-kill" -p "$D/pidfile" "${NR_ARGS[@]:0:${#NR_ARGS[@]}-3}")
	nr_launch
	[ "$LAUNCH_RC" = 1 ]
	[[ $LAUNCH_ERR =~ ^"ptyshim: the daemon (pid "[0-9]+") was killed by signal 9 (Killed) before it was set up"$ ]]
}

@test "start-up without a sync pipe: with a sync pipe the launcher still leaves at once and the reason goes there" {
	nr_new -- no-such-command-nr
	nr_create
	[ "$SHIM_RC" = 0 ]
	[ "$SYNC" = '{"pid": -1, "message": "exec no-such-command-nr: No such file or directory"}' ]
	[ ! -s "$D/.err" ]
}

# ------------------------------------------------------------------ the default socket directory

# nr_default_socket_dir ENV_ARG...: start `sleep 60` without
# --socket-dir-path and without --full-attach, with the environment changed
# by ENV_ARG (env's: NAME=VALUE, -u NAME). Sets MON_PID and CTR_PID.
nr_default_socket_dir() {
	nr_new -- sleep 60
	NR_ARGS=("${NR_ARGS[@]/--full-attach/--no-screen}")
	nr_launch "$@"
	[ "$LAUNCH_RC" = 0 ] || { fail "launcher: $LAUNCH_RC $LAUNCH_ERR"; return 1; }
	MON_PID=$(cat "$D/mon.pid")
	# Reported once exec succeeded: the command is the monitor's child now.
	CTR_PID=$(cat "/proc/$MON_PID/task/$MON_PID/children")
	CTR_PID=${CTR_PID%% *}
	[[ -n $CTR_PID ]] && echo "$CTR_PID" >"$D/ctr.pid"
}

@test "default socket dir for a non-root user: \$XDG_RUNTIME_DIR/ptyshim when usable, else a private ptyshim-UID in TMPDIR" {
	[[ $NR_UID != 0 ]] || skip "runs as root: the default stays /var/run/crio"
	local xdg=$WORK/xdg tmp=$WORK/tmp
	as_user mkdir -m 0700 "$xdg"
	as_user mkdir -m 0700 "$tmp"
	nr_default_socket_dir "XDG_RUNTIME_DIR=$xdg"
	[ "$(readlink "$xdg/ptyshim/$CID")" = "$D" ]
	[ -S "$xdg/ptyshim/$CID/attach" ]
	kill -KILL "$CTR_PID"
	nr_exit
	[ "$EXIT_CODE" = 137 ]

	# Unset, not the user's own (the XDG spec's rule), or not absolute:
	# ptyshim-UID in TMPDIR, made 0700.
	local bad
	for bad in -u /tmp xdg; do
		if [[ $bad == -u ]]; then
			nr_default_socket_dir -u XDG_RUNTIME_DIR "TMPDIR=$tmp"
		else
			nr_default_socket_dir "XDG_RUNTIME_DIR=$bad" "TMPDIR=$tmp"
		fi
		[ "$(readlink "$tmp/ptyshim-$NR_UID/$CID")" = "$D" ]
		[ "$(stat -c %a "$tmp/ptyshim-$NR_UID")" = 700 ]
		kill -KILL "$CTR_PID"
		nr_exit
	done
}

@test "default socket dir for a non-root user: a ptyshim-UID that is not the user's alone is refused, clearly" {
	[[ $NR_UID != 0 ]] || skip "runs as root: the default stays /var/run/crio"
	local tmp=$WORK/tmp2
	mkdir -m 0777 "$tmp"
	# Made by someone else (root here), open to all: a link in it could be planted.
	mkdir -m 0777 "$tmp/ptyshim-$NR_UID"
	nr_new -- sleep 60
	NR_ARGS=("${NR_ARGS[@]/--full-attach/--no-screen}")
	nr_launch -u XDG_RUNTIME_DIR "TMPDIR=$tmp"
	launch_fails "ptyshim: socket dir $tmp/ptyshim-$NR_UID is not a directory of this user (uid $NR_UID) that only it can enter; give --socket-dir-path"
	[ -z "$(ls -A "$tmp/ptyshim-$NR_UID")" ]
}
