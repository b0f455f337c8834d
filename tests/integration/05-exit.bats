# Exit handling (conmon-interface.md §7): the exit file, signals, --timeout,
# --persist-dir and --exit-command.
bats_require_minimum_version 1.5.0
load lib

setup() {
	common_setup
	require_root
	require_shim
}

# make_exit_command: a host script for --exit-command. Each run appends a line
# to $B/exitcmd.count and writes $B/exitcmd.out: its argc and args, whether
# the exit file already existed (and its content); then the fds it inherited
# to $B/exitcmd.fds (exec'd ls, so only inherited fds and ls's own dir fd).
make_exit_command() {
	EXITCMD=$B/exitcmd
	cat >"$EXITCMD" <<-EOF
		#!/bin/sh
		echo run >>"$B/exitcmd.count"
		io="stdin=\$(readlink /proc/\$\$/fd/0) stdout=\$(readlink /proc/\$\$/fd/1) stderr=\$(readlink /proc/\$\$/fd/2)"
		{
			echo "argc=\$#"
			for a in "\$@"; do echo "arg=[\$a]"; done
			if [ -f "$EXITFILE" ]; then echo "exitfile=\$(cat "$EXITFILE")"; else echo "exitfile=missing"; fi
			echo "\$io"
		} >"$B/exitcmd.out.tmp"
		mv "$B/exitcmd.out.tmp" "$B/exitcmd.out"
		exec ls -l /proc/self/fd >"$B/exitcmd.fds"
	EOF
	chmod +x "$EXITCMD"
}

# leaked_fds FILE: lines of `ls -l /proc/self/fd` output for fds >= 3 that
# are not ls's own directory fd.
leaked_fds() {
	awk '$9 ~ /^[0-9]+$/ && $9 >= 3 && $11 !~ /^\/proc\/[0-9]+\/fd$/' "$1"
}

@test "exit: 'exit 7' gives an exit file containing exactly 7" {
	ctr_run -- sh -c 'exit 7'
	wait_exit
	[ "$EXIT_CODE" = 7 ]
	# Bare decimal, no newline (podman uses strconv.Atoi).
	[ "$(od -An -c "$EXITFILE" | tr -d ' ')" = 7 ]
	# Written atomically: nothing but the exit file in the directory.
	[ "$(ls -A "$EXITDIR")" = "$CID" ]
	wait_shim_gone
}

@test "exit: a container killed with SIGKILL gives 137" {
	ctr_run -- sh -c 'echo up; while :; do sleep 1; done'
	wait_for log_has "$LOGFILE" stdout F up
	kill -KILL "$CTR_PID"
	wait_exit
	[ "$EXIT_CODE" = 137 ]
	wait_shim_gone
}

@test "exit: the container is reaped at once (no zombie left while the shim runs)" {
	ctr_run -- sh -c 'while [ ! -e /share/go ]; do sleep 0.02; done; exit 2'
	touch "$B/share/go"
	wait_exit
	[ "$EXIT_CODE" = 2 ]
	# Gone, not a zombie: podman's stop polls kill(pid, 0).
	wait_for -m "container pid $CTR_PID to disappear" test ! -e "/proc/$CTR_PID"
}

@test "exit: SIGTERM, SIGINT and SIGQUIT to the shim are forwarded to the container" {
	local sig code=10 cids=()
	for sig in TERM INT QUIT; do
		code=$((code + 1))
		ctr_run -- sh -c "trap 'echo got-$sig; exit $code' $sig; echo ready; while :; do sleep 0.05; done"
		wait_for -m "ready ($sig)" log_has "$LOGFILE" stdout F ready
		kill -"$sig" "$MON_PID"
		wait_exit
		[ "$EXIT_CODE" = "$code" ] || fail "$sig: exit code $EXIT_CODE, expected $code"
		log_has "$LOGFILE" stdout F "got-$sig"
		wait_shim_gone
	done
}

@test "exit: --timeout 1 on 'sleep 60' kills the container and records -1" {
	ctr_new -- sleep 60
	SHIM_ARGS+=(--timeout 1)
	shim_create
	check_created
	ctr_start
	wait_exit 15
	[ "$EXIT_CODE" = -1 ]
	wait_shim_gone
	# The container was killed, not left running.
	[ ! -e "/proc/$CTR_PID" ] || pid_dead "$CTR_PID"
}

@test "exit: --persist-dir gets an exit file too" {
	ctr_new -- sh -c 'exit 12'
	mkdir -p "$B/persist"
	SHIM_ARGS+=(--persist-dir "$B/persist")
	shim_create
	check_created
	ctr_start
	wait_exit
	[ "$EXIT_CODE" = 12 ]
	wait_shim_gone
	[ "$(cat "$B/persist/exit")" = 12 ]
}

@test "exit: --exit-command runs once, with its args in order (empty ones kept), after the exit file" {
	ctr_new -- sh -c 'exit 3'
	make_exit_command
	SHIM_ARGS+=(--exit-command "$EXITCMD" --exit-command-arg first --exit-command-arg ''
		--exit-command-arg 'with space' --exit-command-arg --rm --exit-command-arg '' --exit-command-arg last)
	shim_create
	check_created
	ctr_start
	wait_exit
	# The shim waits for the exit command before it exits itself.
	wait_shim_gone
	cat "$B/exitcmd.out"
	[ "$(cat "$B/exitcmd.count")" = run ]
	[ "$(cat "$B/exitcmd.out")" = "$(printf '%s\n' 'argc=6' 'arg=[first]' 'arg=[]' 'arg=[with space]' \
		'arg=[--rm]' 'arg=[]' 'arg=[last]' 'exitfile=3' \
		'stdin=/dev/null stdout=/dev/null stderr=/dev/null')" ]
}

@test "exit: no fd of the manager reaches the exit command" {
	ctr_new -- sh -c 'exit 0'
	make_exit_command
	SHIM_ARGS+=(--exit-command "$EXITCMD")
	# Extra inheritable fds from the manager, as podman's port reservations
	# and leaked fds are.
	shim_create -f "7:$B/leak7" -f "12:$B/leak12"
	check_created
	ctr_start
	wait_exit
	wait_shim_gone
	cat "$B/exitcmd.fds"
	[ -z "$(leaked_fds "$B/exitcmd.fds")" ]
}

@test "exit: the exit command also runs for a container killed by a signal" {
	ctr_new -- sh -c 'echo up; while :; do sleep 1; done'
	make_exit_command
	SHIM_ARGS+=(--exit-command "$EXITCMD" --exit-command-arg x)
	shim_create
	check_created
	ctr_start
	wait_for log_has "$LOGFILE" stdout F up
	kill -KILL "$CTR_PID"
	wait_exit
	wait_shim_gone
	[ "$(cat "$B/exitcmd.count")" = run ]
	grep -qx 'exitfile=137' "$B/exitcmd.out"
}
