# Faults around the shim (issue 8, item 2): the manager, an attach client and
# the runtime die at the worst moments, the runtime hangs, the shim gets
# SIGTERM. Each test asserts that nothing is lost (log, exit file, the other
# clients' output) and that nothing hangs (every wait has a cap).
bats_require_minimum_version 1.5.0
load lib
load lib-fault

setup() {
	fault_setup
}

teardown() {
	fault_teardown
}

# mgr_bg SHIM_PATH [FAKEMGR_OPTION...]: start fakemgr in the background on
# SHIM_PATH with the current container's arguments; sets MGR_PID. Its
# output is in $B/mgr.out and $B/mgr.err.
mgr_bg() {
	local shim=$1
	shift
	"$FAKEMGR" -t 30 "$@" -- "$shim" "${SHIM_ARGS[@]}" "${LOG_OPTS[@]}" >"$B/mgr.out" 2>"$B/mgr.err" 3>&- &
	MGR_PID=$!
	bg_track "$MGR_PID"
}

# monitor_up: the monitor wrote its pid and is alive; sets MON_PID.
monitor_up() {
	wait_for -m "conmon pidfile" test -s "$B/conmon.pid" || return 1
	MON_PID=$(cat "$B/conmon.pid")
	pid_alive "$MON_PID"
}

# ticks_contiguous FILE: the "tick N" lines of the reassembled log count up
# from 0 without a gap or a repeat.
ticks_contiguous() {
	log_content "$1" stdout | awk '
		/^tick / { if ($2 != n) { printf "expected tick %d, got %s\n", n, $2; bad = 1; exit 1 } n++ }
		END { if (!bad) printf "%d ticks\n", n; exit bad }'
}

@test "fault: manager SIGKILLed before the start byte: the shim starts, outlives it, logs and records the exit" {
	ctr_new -- sh -c 'echo out; exit 6'
	# The shim process is held back until the manager is dead, so it finds
	# both pipes' other ends gone: EOF instead of the start byte (which
	# counts as the start, as in conmon) and EPIPE on the sync message.
	cat >"$B/shimwrap" <<-EOF
		#!/bin/sh
		while [ ! -e "$B/release" ]; do sleep 0.02; done
		exec "$SHIM" "\$@"
	EOF
	chmod +x "$B/shimwrap"
	mgr_bg "$B/shimwrap" --no-start -p "$B/first.pid"
	wait_for -m "fakemgr spawned the shim" test -s "$B/first.pid"
	kill -KILL "$MGR_PID"
	wait_for pid_dead "$MGR_PID"
	touch "$B/release"
	monitor_up
	wait_for -m "container created" ctr_state_is created
	# A manager that comes back finds the container and starts it.
	ctr_start
	wait_exit
	[ "$EXIT_CODE" = 6 ]
	log_has "$LOGFILE" stdout F out
	wait_shim_gone
}

@test "fault: manager SIGKILLed between the start byte and the sync message: the container is created and monitored" {
	ctr_new -- sh -c 'echo out; exit 9'
	rtw=$(runtime_wrapper rtwrap <<-'EOF'
		touch "$B/rt.waiting"
		while [ ! -e "$B/rt.release" ]; do sleep 0.02; done
	EOF
	)
	set_runtime "$rtw"
	mgr_bg "$SHIM"
	wait_for -m "runtime started (start byte sent)" test -e "$B/rt.waiting"
	kill -KILL "$MGR_PID"
	wait_for pid_dead "$MGR_PID"
	touch "$B/rt.release"
	monitor_up
	wait_for -m "container created" ctr_state_is created
	# The sync message went nowhere; the monitor carries on regardless.
	[ ! -s "$B/mgr.out" ]
	ctr_start
	wait_exit
	[ "$EXIT_CODE" = 9 ]
	log_has "$LOGFILE" stdout F out
	wait_shim_gone
}

@test "fault: attach client SIGKILLed mid-output: the container, the log and the other client lose nothing" {
	ctr_new -- sh -c 'i=0; while [ ! -e /share/stop ]; do echo "tick $i"; i=$((i+1)); done; echo end'
	shim_create
	check_created
	base=$(mon_sockets "$MON_PID")
	# A well-behaved client (podman attach) and the one that gets killed.
	peer_bg good -t 60 -w "$B/good.data" "$B/attach" count
	good=$PEER_PID
	peer_bg victim -w "$B/victim.data" "$B/attach" count
	victim=$PEER_PID
	wait_for -m "both clients connected" sockets_ge "$MON_PID" $((base + 2))
	ctr_start
	wait_for -m "the victim got output" test -s "$B/victim.data"
	kill -KILL "$victim"
	# The shim drops the dead client and the container keeps printing.
	wait_for -m "the dead client's socket closed" sockets_eq "$MON_PID" $((base + 1))
	size1=$(stat -c %s "$LOGFILE")
	wait_for -m "the log grows after the kill" size_gt "$LOGFILE" "$size1"
	touch "$B/share/stop"
	wait_exit
	[ "$EXIT_CODE" = 0 ]
	wait_for -m "the good client ended" pid_dead "$good"
	wait "$good"
	log_has "$LOGFILE" stdout F end
	ticks_contiguous "$LOGFILE"
	# The good client saw exactly what the log holds.
	log_content "$LOGFILE" stdout >"$B/log.data"
	cmp "$B/log.data" "$B/good.data"
	wait_shim_gone
}

@test "fault: runtime SIGKILLed during create: -1 with the reason, the shim exits, nothing left behind" {
	ctr_new -- sh -c 'exit 0'
	rtw=$(runtime_wrapper rtwrap <<-'EOF'
		echo $$ >"$B/rt.pid"
		while :; do sleep 0.02; done
	EOF
	)
	set_runtime "$rtw"
	mgr_bg "$SHIM" -w
	wait_for -m "runtime running" test -s "$B/rt.pid"
	kill -KILL "$(cat "$B/rt.pid")"
	wait_for -m "fakemgr done" pid_dead "$MGR_PID"
	rc=0
	wait "$MGR_PID" || rc=$?
	cat "$B/mgr.out" "$B/mgr.err"
	[ "$rc" -eq 1 ]
	grep -q '^{"data": -1, "message": ".*signal 9' "$B/mgr.out"
	[ -z "$(ctr_state)" ]
	[ ! -e "$B/attach" ]
	[ -z "$(leftover_pids "$CID")" ]
}

@test "fault: runtime that never sends the console: --runtime-timeout 3 ends it with -1" {
	is_ptyshim || skip "--runtime-timeout is a ptyshim extension"
	ctr_new --tty -- sh -c 'exit 0'
	rtw=$(runtime_wrapper rtwrap <<-'EOF'
		echo $$ >"$B/rt.pid"
		exec sleep 600
	EOF
	)
	set_runtime "$rtw"
	SHIM_ARGS+=(--runtime-timeout 3)
	mkdir -p "$B/tmp"
	TMPDIR=$B/tmp mgr_bg "$SHIM" -w
	wait_for -t 20 -m "the shim gives up" pid_dead "$MGR_PID"
	rc=0
	wait "$MGR_PID" || rc=$?
	cat "$B/mgr.out" "$B/mgr.err"
	[ "$rc" -eq 1 ]
	grep -q '^{"data": -1, "message": ".*within 3 s' "$B/mgr.out"
	# The hung runtime was killed and the console socket removed.
	pid_dead "$(cat "$B/rt.pid")"
	[ -z "$(ls -A "$B/tmp")" ]
	[ -z "$(ctr_state)" ]
}

@test "fault: runtime that drops --console-socket: its error comes back as -1, promptly" {
	ctr_new --tty -- sh -c 'exit 0'
	# Remove the option and its value, run the real runtime with the rest.
	rtw=$(runtime_wrapper rtwrap <<-'EOF'
		n=$#
		i=0
		skip=0
		for a in "$@"; do
			i=$((i+1))
			if [ $skip = 1 ]; then skip=0; continue; fi
			if [ "$a" = --console-socket ]; then skip=1; continue; fi
			set -- "$@" "$a"
		done
		shift $n
	EOF
	)
	set_runtime "$rtw"
	shim_create -w
	echo "sync: $SYNC"
	[ "$SHIM_RC" -eq 1 ]
	[[ $SYNC == '{"data": -1, "message": "'*'"}' ]]
	[ -z "$(ctr_state)" ]
}

@test "fault: the shim gets SIGTERM: the container gets it, its last output is drained, the exit file written" {
	ctr_new -- sh -c 'trap "head -c 1000000 /dev/zero | tr \"\\0\" x; echo; echo got-term; exit 7" TERM
		echo ready; while :; do sleep 0.05; done'
	shim_create
	check_created
	ctr_start
	wait_for -m "ready in the log" log_has "$LOGFILE" stdout F ready
	kill -TERM "$MON_PID"
	wait_exit
	[ "$EXIT_CODE" = 7 ]
	log_has "$LOGFILE" stdout F got-term
	# ready\n + 1000000 x + \n + got-term\n
	[ "$(log_bytes "$LOGFILE" stdout)" -eq $((6 + 1000000 + 1 + 9)) ]
	wait_shim_gone
}

@test "fault: the shim gets SIGTERM (terminal): the container gets it, output drained, exit file written" {
	ctr_new --tty -- sh -c 'trap "echo got-term; exit 8" TERM; echo ready; while :; do sleep 0.05; done'
	shim_create
	check_created
	ctr_start
	wait_for -m "ready in the log" log_has "$LOGFILE" stdout F $'ready\r'
	kill -TERM "$MON_PID"
	wait_exit
	[ "$EXIT_CODE" = 8 ]
	log_has "$LOGFILE" stdout F $'got-term\r'
	wait_shim_gone
}
