#!/usr/bin/env bats
# containerd 1.6 end to end with bin/containerd-shim-ptyshim-v1 as the
# runtime io.containerd.ptyshim.v1: `ctr run` in pipe mode and with -t on a
# real PTY (tests/helpers/ptydrive), exit codes, task kill, task exec (pipes
# and -t), task ps, pause and resume, the task events in order, a killed
# shim cleaned up through its delete command, and malformed ttrpc on the
# shim's socket (a length over 4 MiB, an unknown service or method, bytes
# that are not protobuf): an error answer or a closed connection, and the
# shim still serving afterwards.
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

@test "ctr run: stdin reaches the container and its end is an end" {
	run -0 --separate-stderr run_ctr --rm "$CT_IMAGE" "$CT_ID" sh -c 'read a; read b; echo "$b-$a"; cat' < <(printf 'one\ntwo\nthree\n')
	[ "$output" = $'two-one\nthree' ] || fail "output: '$output'"
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
	shim=$(ps -eo pid,args | awk -v id="$CT_ID" '$2 ~ /containerd-shim-ptyshim-v1$/ && $0 ~ ("-id " id " ") { print $1 }')
	[ -n "$shim" ] || fail "no shim process for $CT_ID"
	kill -9 "$shim"
	wait_for -m "task gone" sh -c "! ctr -a '$CT_SOCK' tasks ls -q | grep -qx '$CT_ID'"
	wait_for -m "runc container deleted" sh -c "! runc --root /run/containerd/runc/default list -q | grep -qx '$CT_ID'"
	! grep -q "/$CT_ID/rootfs " /proc/self/mounts || fail "the rootfs is still mounted"
	[ ! -e "$sock" ] || fail "the dead shim's socket $sock is left"
}

@test "ctr task ps lists every process of the container (runc ps)" {
	run -0 run_ctr -d "$CT_IMAGE" "$CT_ID" sh -c 'sleep 1000 & sleep 1000 & wait'
	wait_for -m "three processes" sh -c "[ \$(ctr -a '$CT_SOCK' tasks ps '$CT_ID' | tail -n +2 | wc -l) -eq 3 ]"
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
