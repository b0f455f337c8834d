#!/usr/bin/env bats
# containerd 1.6 end to end with bin/containerd-shim-ptyshim-v1 as the
# runtime io.containerd.ptyshim.v1: `ctr run` in pipe mode and with -t on a
# real PTY (tests/helpers/ptydrive), exit codes, task kill, task exec (pipes
# and -t), task ps, pause and resume, the task events in order, a killed
# shim cleaned up through its delete command, and malformed ttrpc on the
# shim's socket (a length over 4 MiB, an unknown service or method, bytes
# that are not protobuf): an error answer or a closed connection, and the
# shim still serving afterwards. Then what a shim must survive: readers
# that stall or go away (pipes are held back byte-exact; a terminal is never
# held back and `ctr task attach` gets its current screen), a runc that
# hangs (the shim serves meanwhile, a request's deadline kills it), and
# containerd restarting (the container goes on, its exit still reaches
# containerd, also one that happened while it was away).
#
# containerd runs privately (lib-containerd.bash); every test skips with the
# reason when it cannot start (not root, containerd missing, ...).

bats_require_minimum_version 1.5.0

load lib
load lib-podman
load lib-containerd

setup_file() {
	ct_setup_file
}

teardown_file() {
	ct_teardown_file
}

setup() {
	ct_setup
}

teardown() {
	ct_teardown
}

# The terminal tests run a script, not an interactive ash: ash asks the
# terminal where the cursor is after each prompt (ESC[6n) and takes what is
# typed meanwhile for the answer, which makes typing at a prompt racy. ctr
# sizes the terminal only after the task started, so the script waits for
# each size it expects (5 s at most) before it prints it.
TTY_SCRIPT='size() { i=0; while [ "$(stty size 2>/dev/null)" != "$1" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done; stty size; }
size "30 100"; tty; read a; echo "typed:$a"; size "40 120"; exit 5'

run_ctr() {
	ct run --runtime "$CT_RUNTIME" "$@"
}

@test "ctr run: stdout and stderr apart, the exit code reaches ctr" {
	run -3 --separate-stderr run_ctr --rm "$CT_IMAGE" "$CT_ID" sh -c 'echo out; echo err >&2; exit 3' </dev/null
	[ "$output" = out ] || fail "stdout: '$output'"
	[ "$stderr" = err ] || fail "stderr: '$stderr'"
}

# ctr ends the input with CloseIO when its stdin ends, which it can only do
# once the task is created (an input that ends sooner is never ended: ctr
# run hangs so with containerd's own shim too): the input comes after.
@test "ctr run: stdin reaches the container and its end (CloseIO) is an end" {
	local in=$BATS_TEST_TMPDIR/in
	mkfifo "$in"
	run_ctr --rm "$CT_IMAGE" "$CT_ID" sh -c 'read a; read b; echo "$b-$a"; cat' <"$in" >"$BATS_TEST_TMPDIR/out" 2>&1 &
	local runner=$!
	exec 5>"$in"
	wait_for -m "task running" sh -c "ctr -a '$CT_SOCK' tasks ls | grep -q '$CT_ID.*RUNNING'"
	printf 'one\ntwo\nthree\n' >&5
	exec 5>&-
	local rc=0
	wait "$runner" || rc=$?
	[ "$rc" -eq 0 ] || fail "ctr run exited $rc: $(cat "$BATS_TEST_TMPDIR/out")"
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = $'two-one\nthree' ] || fail "output: '$(cat "$BATS_TEST_TMPDIR/out")'"
}

@test "ctr run: a lot of output arrives whole and in order" {
	run -0 --separate-stderr run_ctr --rm "$CT_IMAGE" "$CT_ID" sh -c 'seq 1 100000' </dev/null
	[ "${#lines[@]}" -eq 100000 ] || fail "${#lines[@]} lines"
	[ "${lines[99999]}" = 100000 ] || fail "last line '${lines[99999]}'"
	[ "$(printf '%s\n' "${lines[@]}" | md5sum)" = "$(seq 1 100000 | md5sum)" ] || fail "content differs"
}

@test "ctr run -t: a real terminal: its size, typing, a resize, the exit code" {
	run "$PTYDRIVE" -s 30x100 -t 20 -e 'expect 30 100' -e 'expect /dev/pts/' \
		-e 'send hello\r' -e 'expect typed:hello' -e 'resize 40 120' -e 'expect 40 120' -e 'wait 5' \
		-- ctr -a "$CT_SOCK" run -t --rm --runtime "$CT_RUNTIME" "$CT_IMAGE" "$CT_ID" sh -c "$TTY_SCRIPT"
	echo "$output"
	[ "$status" -eq 5 ] || fail "ptydrive exited $status"
}

@test "ctr task kill: the signal reaches the container, its status is the exit" {
	run -0 run_ctr -d "$CT_IMAGE" "$CT_ID" sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done'
	run -0 ct tasks ls
	[[ $output == *"$CT_ID"*RUNNING* ]] || fail "$output"
	run -0 ct tasks kill "$CT_ID"
	wait_for -m "task stopped" sh -c "ctr -a '$CT_SOCK' tasks ls | grep -q '$CT_ID.*STOPPED'"
	run -0 ct tasks delete "$CT_ID"
	[[ $output == *"exit code 7"* ]] || fail "$output"
}

@test "ctr task kill -s KILL: exit 137 reaches a waiting ctr run" {
	run_ctr "$CT_IMAGE" "$CT_ID" sleep 1000 </dev/null &
	local runner=$!
	wait_for -m "task running" sh -c "ctr -a '$CT_SOCK' tasks ls | grep -q '$CT_ID.*RUNNING'"
	run -0 ct tasks kill -s KILL "$CT_ID"
	local rc=0
	wait "$runner" || rc=$?
	[ "$rc" -eq 137 ] || fail "ctr run exited $rc"
}

@test "ctr task exec: pipes and -t, each with its own exit code" {
	run -0 run_ctr -d "$CT_IMAGE" "$CT_ID" sleep 1000
	run -2 --separate-stderr ct tasks exec --exec-id e1 "$CT_ID" sh -c 'echo pipe-out; echo pipe-err >&2; exit 2' </dev/null
	[ "$output" = pipe-out ] || fail "stdout: '$output'"
	[ "$stderr" = pipe-err ] || fail "stderr: '$stderr'"
	run "$PTYDRIVE" -t 20 -e 'expect /dev/pts/' -e 'send in-exec\r' -e 'expect exec:in-exec' -e 'wait 4' \
		-- ctr -a "$CT_SOCK" tasks exec -t --exec-id e2 "$CT_ID" sh -c 'tty; read a; echo "exec:$a"; exit 4'
	echo "$output"
	[ "$status" -eq 4 ] || fail "ptydrive exited $status"
	run -0 ct tasks ps "$CT_ID"
	[ "${#lines[@]}" -eq 2 ] || fail "only the init process should be left: $output"
}

@test "events: create, start, exit, delete, in that order" {
	ct events >"$BATS_TEST_TMPDIR/events" 2>&1 &
	local ev=$!
	sleep 0.5
	run -0 run_ctr --rm "$CT_IMAGE" "$CT_ID" true </dev/null
	wait_for -m "the delete event" grep -q "/tasks/delete.*\"$CT_ID\"" "$BATS_TEST_TMPDIR/events"
	kill "$ev"
	run -0 sh -c "grep -o '/tasks/[a-z]*' '$BATS_TEST_TMPDIR/events' | tr '\n' ' '"
	[ "$output" = "/tasks/create /tasks/start /tasks/exit /tasks/delete " ] || fail "$output"
	grep -q "/tasks/exit.*\"exit_status\":0\|/tasks/exit {\"container_id\":\"$CT_ID\",\"id\":\"$CT_ID\"" \
		"$BATS_TEST_TMPDIR/events" || fail "$(cat "$BATS_TEST_TMPDIR/events")"
}

# The shim answers or closes, and serves the next connection all the same.
ttrpc_survives() {
	run -0 ct tasks ls
	[[ $output == *"$CT_ID"*RUNNING* ]] || fail "after the bad request: $output"
	run -0 ct tasks exec --exec-id "after-$1" "$CT_ID" echo still-here </dev/null
	[ "$output" = still-here ] || fail "$output"
}

@test "ttrpc: a length over 4 MiB is refused (RESOURCE_EXHAUSTED), the shim stays" {
	run -0 run_ctr -d "$CT_IMAGE" "$CT_ID" sleep 1000
	local sock reply
	sock=$(ct_shim_socket "$CT_ID")
	reply=$(ct_ttrpc_send "$sock" "00500000000000010100")
	[ "$(ct_status_code "$reply")" = 8 ] || fail "reply: $reply"
	ttrpc_survives big
}

@test "ttrpc: an unknown method or service is UNIMPLEMENTED, the shim stays" {
	run -0 run_ctr -d "$CT_IMAGE" "$CT_ID" sleep 1000
	local sock reply
	sock=$(ct_shim_socket "$CT_ID")
	reply=$(ct_ttrpc_send "$sock" "$(ct_frame 1 "$(ct_request containerd.task.v2.Task Nope)")")
	[ "$(ct_status_code "$reply")" = 12 ] || fail "reply: $reply"
	reply=$(ct_ttrpc_send "$sock" "$(ct_frame 3 "$(ct_request no.such.Service State)")")
	[ "$(ct_status_code "$reply")" = 12 ] || fail "reply: $reply"
	ttrpc_survives unknown
}

@test "ttrpc: garbage protobuf is INVALID_ARGUMENT or a closed connection, the shim stays" {
	run -0 run_ctr -d "$CT_IMAGE" "$CT_ID" sleep 1000
	local sock reply code
	sock=$(ct_shim_socket "$CT_ID")
	# A Request whose payload is not a StateRequest.
	reply=$(ct_ttrpc_send "$sock" "$(ct_frame 1 "$(ct_request containerd.task.v2.Task State ffffffffff)")")
	[ "$(ct_status_code "$reply")" = 3 ] || fail "reply: $reply"
	# Bytes that are not a Request at all, and a frame that is not a request.
	reply=$(ct_ttrpc_send "$sock" "$(ct_frame 1 ffffffffffffffffffff0a)")
	code=$(ct_status_code "$reply")
	[[ $code == 3 || -z ${reply// /} ]] || fail "reply: $reply"
	reply=$(ct_ttrpc_send "$sock" "0000000200000001020008ff")
	[[ -z ${reply// /} ]] || fail "reply to a response frame: $reply"
	# A header cut short, then the connection closed.
	reply=$(ct_ttrpc_send "$sock" "000000")
	[[ -z ${reply// /} ]] || fail "reply to half a header: $reply"
	ttrpc_survives garbage
}

@test "the shim exits after the task is deleted, and leaves no socket" {
	run -0 run_ctr -d "$CT_IMAGE" "$CT_ID" sleep 1000
	local sock
	sock=$(ct_shim_socket "$CT_ID")
	[ -S "$sock" ] || fail "no socket $sock"
	run -0 ct tasks kill -s KILL "$CT_ID"
	wait_for -m "task stopped" sh -c "ctr -a '$CT_SOCK' tasks ls | grep -q '$CT_ID.*STOPPED'"
	run -0 ct tasks delete "$CT_ID"
	wait_for -m "socket removed" test ! -e "$sock"
}

@test "a shim killed with its task running: containerd's 'delete' cleans up" {
	run -0 run_ctr -d "$CT_IMAGE" "$CT_ID" sleep 1000
	local shim sock
	sock=$(ct_shim_socket "$CT_ID")
	shim=$(ct_shim_pid "$CT_ID")
	[ -n "$shim" ] || fail "no shim process for $CT_ID"
	kill -9 "$shim"
	wait_for -m "task gone" sh -c "! ctr -a '$CT_SOCK' tasks ls -q | grep -qx '$CT_ID'"
	wait_for -m "runc container deleted" sh -c "! runc --root /run/containerd/runc/$CONTAINERD_NAMESPACE list -q | grep -qx '$CT_ID'"
	# The delete command unmounts and removes the socket after runc delete.
	wait_for -m "rootfs unmounted" sh -c "! grep -q '/$CT_ID/rootfs ' /proc/self/mounts"
	wait_for -m "the dead shim's socket $sock removed" test ! -e "$sock"
}

@test "ctr task ps lists every process of the container (runc ps)" {
	run -0 run_ctr -d "$CT_IMAGE" "$CT_ID" sh -c 'sleep 1000 & sleep 1000 & wait'
	wait_for -m "three processes" sh -c "[ \$(ctr -a '$CT_SOCK' tasks ps '$CT_ID' | tail -n +2 | wc -l) -eq 3 ]"
}

@test "ctr task metrics: the container's cgroup figures (Stats), as the Go shim gives them" {
	run -0 run_ctr -d "$CT_IMAGE" "$CT_ID" sh -c 'sleep 1000 & sleep 1000 & wait'
	wait_for -m "three processes" sh -c "ctr -a '$CT_SOCK' tasks metrics '$CT_ID' | grep -Eq '^pids.current +3 *\$'"
	run -0 ct tasks metrics "$CT_ID"
	[[ $output == *memory.usage* ]] || fail "no memory figure: $output"
	[[ $output == *cpu* ]] || fail "no cpu figure: $output"
	run -0 ct tasks kill -s KILL "$CT_ID"
	wait_for -m "task stopped" sh -c "ctr -a '$CT_SOCK' tasks ls | grep -q '$CT_ID.*STOPPED'"
	run ct tasks metrics "$CT_ID"
	[ "$status" -ne 0 ] || fail "a stopped task has no figures: $output"
}

@test "ctr task pause and resume: PAUSED while frozen, RUNNING after" {
	run -0 run_ctr -d "$CT_IMAGE" "$CT_ID" sleep 1000
	run -0 ct tasks pause "$CT_ID"
	run -0 ct tasks ls
	[[ $output == *"$CT_ID"*PAUSED* ]] || fail "$output"
	run -0 ct tasks resume "$CT_ID"
	run -0 ct tasks ls
	[[ $output == *"$CT_ID"*RUNNING* ]] || fail "$output"
}

# ------------------------------------------------ readers that stall or leave

@test "nobody reads a pipe: the container is held back, the shim is not; a new reader gets every byte in order" {
	# ctr run -d leaves (it reads what comes before it has gone): the
	# container writes only once nobody reads the fifos.
	run -0 run_ctr -d "$CT_IMAGE" "$CT_ID" sh -c 'while [ ! -e /tmp/go ]; do sleep 0.05; done; seq 1 300000; echo END'
	touch "$(ct_bundle "$CT_ID")/rootfs/tmp/go"
	sleep 1
	run -0 ct tasks ls
	[[ $output == *"$CT_ID"*RUNNING* ]] || fail "the container should wait for a reader: $output"
	run -0 ct tasks exec --exec-id probe "$CT_ID" echo served </dev/null
	[ "$output" = served ] || fail "the shim does not serve while the reader stalls: $output"
	local shim rss
	shim=$(ct_shim_pid "$CT_ID")
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$shim/status")
	# (valgrind's own memory would drown the figure: tests/valgrind.sh)
	[[ $(cat "/proc/$shim/comm") == memcheck* ]] || ((rss < 8192)) ||
		fail "the shim holds $rss kB: its queue is not bounded"
	ct tasks attach "$CT_ID" >"$BATS_TEST_TMPDIR/out" </dev/null
	cmp <(seq 1 300000; echo END) "$BATS_TEST_TMPDIR/out" ||
		fail "the output is not whole and in order: $(wc -c <"$BATS_TEST_TMPDIR/out") bytes, from $(head -c 40 "$BATS_TEST_TMPDIR/out" | od -c | head -3)"
}

# A terminal container, detached at once, floods its terminal with nobody
# reading, then paints a small screen and waits for a line.
FLOOD_SCRIPT='yes "$(printf %0500d 0)" | head -c 5000000; touch /tmp/flooded; clear; printf "MARK-A\nMARK-B\n"; read x; echo "typed:$x"; exit 3'

@test "ctr task attach to a terminal: its current screen at once, typing, the exit code; nobody reading never held it back" {
	run "$PTYDRIVE" -t 20 -e 'wait 0' -- ctr -a "$CT_SOCK" run -d -t --runtime "$CT_RUNTIME" "$CT_IMAGE" "$CT_ID" \
		sh -c "$FLOOD_SCRIPT"
	[ "$status" -eq 0 ] || fail "ctr run -d -t: $output"
	wait_for -m "the flood ends with nobody reading" \
		ct tasks exec --exec-id "f$RANDOM" "$CT_ID" test -e /tmp/flooded </dev/null
	# The screen socket in the bundle answers without attaching.
	wait_for -m "the screen shows the marks" sh -c \
		"'$CT_REPO/bin/ptyshim-attach' --snapshot '$(ct_bundle "$CT_ID")' | grep -qx MARK-B"
	run -0 "$CT_REPO/bin/ptyshim-attach" --snapshot "$(ct_bundle "$CT_ID")"
	[ "$output" = $'MARK-A\nMARK-B' ] || fail "snapshot: $output"
	# The first client reads what the pipe held, then the screen.
	run "$PTYDRIVE" -t 10 -e 'expect MARK-B' -e 'kill KILL' -- ctr -a "$CT_SOCK" tasks attach "$CT_ID"
	[ "$status" -eq 0 ] || fail "first attach: $output"
	# The pipe is empty now: only the screen model can show MARK-B again.
	run "$PTYDRIVE" -t 10 -o "$BATS_TEST_TMPDIR/second" -e 'expect MARK-B' -e 'send hello\r' \
		-e 'expect typed:hello' -e 'wait 3' -- ctr -a "$CT_SOCK" tasks attach "$CT_ID"
	echo "$output"
	[ "$status" -eq 3 ] || fail "second attach exited $status"
	[ "$(head -c 1 "$BATS_TEST_TMPDIR/second" | od -An -tx1 | tr -d ' ')" = 18 ] ||
		fail "the second client should start with CAN and the repaint"
}

@test "a terminal reader that stalls is never cut off: it gets the latest screen when it reads again" {
	run "$PTYDRIVE" -t 30 -e 'expect_re ready' -e 'kill STOP' -e 'sleep 3000' -e 'kill CONT' -e 'expect MARK-B' \
		-e 'send x\r' -e 'wait 3' -- ctr -a "$CT_SOCK" run -t --runtime "$CT_RUNTIME" "$CT_IMAGE" "$CT_ID" \
		sh -c "echo ready; sleep 0.5; $FLOOD_SCRIPT"
	echo "${output:0:2000}"
	[ "$status" -eq 3 ] || fail "ctr run -t exited $status"
}

@test "the stdin of a terminal outlives its clients: the next client types" {
	run "$PTYDRIVE" -t 20 -e 'wait 0' -- ctr -a "$CT_SOCK" run -d -t --runtime "$CT_RUNTIME" "$CT_IMAGE" "$CT_ID" \
		sh -c 'read a; echo "first:$a"; read b; echo "[$b] ($?)" >/tmp/second; echo "second:$b"; exit 4'
	run "$PTYDRIVE" -t 10 -e 'send one\r' -e 'expect first:one' -e 'kill KILL' -- ctr -a "$CT_SOCK" tasks attach "$CT_ID"
	[ "$status" -eq 0 ] || fail "first client: $output"
	run "$PTYDRIVE" -t 10 -e 'send two\r' -e 'expect second:two' -e 'wait 4' -- ctr -a "$CT_SOCK" tasks attach "$CT_ID"
	[ "$status" -eq 4 ] ||
		fail "second client exited $status: $output; the container's second read: $(cat "$(ct_bundle "$CT_ID")/rootfs/tmp/second" 2>&1)"
}

# ------------------------------------------------ runc that hangs

@test "a runc that hangs holds up nothing else: the shim answers, output and exits flow, a deadline kills it" {
	run -0 run_ctr -d "$CT_IMAGE" "$CT_ID" sleep 1000
	touch "$CT_DIR/hang-pause"
	ct tasks pause "$CT_ID" >"$BATS_TEST_TMPDIR/pause.out" 2>&1 &
	local pauser=$!
	sleep 0.5
	run -0 timeout 5 ctr -a "$CT_SOCK" tasks ls
	[[ $output == *"$CT_ID"*RUNNING* ]] || fail "while runc hangs: $output"
	run -0 --separate-stderr timeout 10 ctr -a "$CT_SOCK" tasks exec --exec-id ticks "$CT_ID" \
		sh -c 'for i in 1 2 3; do echo tick$i; sleep 0.2; done' </dev/null
	[ "$output" = $'tick1\ntick2\ntick3' ] || fail "exec output while runc hangs: $output"
	kill "$pauser" 2>/dev/null
	wait "$pauser" 2>/dev/null || true
	# A request with a deadline: runc is killed at it, the answer says so.
	local t0=$SECONDS
	run timeout 20 ctr -a "$CT_SOCK" --timeout 2s tasks pause "$CT_ID"
	[ "$status" -ne 0 ] || fail "pause with a deadline should fail: $output"
	((SECONDS - t0 < 15)) || fail "the deadline did not cut runc short"
	rm "$CT_DIR/hang-pause"
	# The first pause (no deadline) is still queued before this one: wait it out.
	wait_for -t 40 -m "pause works again" timeout 40 ctr -a "$CT_SOCK" tasks pause "$CT_ID"
	run -0 ct tasks ls
	[[ $output == *"$CT_ID"*PAUSED* ]] || fail "$output"
	run -0 ct tasks resume "$CT_ID"
}

# ------------------------------------------------ containerd restarts

@test "containerd restarted while a container runs: it goes on, and its exit is reported" {
	run -0 run_ctr -d "$CT_IMAGE" "$CT_ID" sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done'
	ct_stop_containerd
	ct_start_containerd
	run -0 ct tasks ls
	[[ $output == *"$CT_ID"*RUNNING* ]] || fail "after the restart: $output"
	run -0 ct tasks exec --exec-id after "$CT_ID" echo still-here </dev/null
	[ "$output" = still-here ] || fail "$output"
	run -0 ct tasks kill "$CT_ID"
	wait_for -m "task stopped" sh -c "ctr -a '$CT_SOCK' tasks ls | grep -q '$CT_ID.*STOPPED'"
	run -0 ct tasks delete "$CT_ID"
	[[ $output == *"exit code 7"* ]] || fail "$output"
}

@test "a container that exits while containerd is away: its exit event reaches containerd when it is back" {
	run -0 run_ctr -d "$CT_IMAGE" "$CT_ID" sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done; exit 5'
	ct_stop_containerd
	local from
	from=$(wc -l <"$CT_DIR/containerd.log")
	touch "$(ct_bundle "$CT_ID")/rootfs/tmp/go"
	wait_for -m "the container exits" sh -c \
		"runc --root /run/containerd/runc/$CONTAINERD_NAMESPACE state '$CT_ID' | grep -q '\"status\": \"stopped\"'"
	ct_start_containerd
	wait_for -m "containerd takes the exit event" sh -c \
		"tail -n +$((from + 1)) '$CT_DIR/containerd.log' | grep 'event forwarded' | grep -q 'topic=/tasks/exit'"
	run -0 ct tasks ls
	[[ $output == *"$CT_ID"*STOPPED* ]] || fail "$output"
	run -0 ct tasks delete "$CT_ID"
	[[ $output == *"exit code 5"* ]] || fail "$output"
}
