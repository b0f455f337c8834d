# ptyshim-attach, the client (design.md "Attach client", issue 3 item 4), on
# real runc containers run by $SHIM: conmon's socket protocol is the contract,
# so every test here must pass with SHIM=/usr/bin/conmon too.
#
# The client always runs on a real PTY driven by ptydrive (CI has no terminal),
# inside a small wrapper that records `stty -g` before and after the client,
# its pid, and its exit status. Ordering never relies on sleeps: a command that
# the container runs (touch /share/..., echo) proves the client is in its loop,
# and anything else is polled with a cap.
#
# ATTACH=path overrides the client under test (default bin/ptyshim-attach).
bats_require_minimum_version 1.5.0
load lib

setup() {
	common_setup
	require_root
	require_shim
	ATTACH=${ATTACH:-$ROOT/bin/ptyshim-attach}
	[[ -x $ATTACH ]] || fail "$ATTACH is missing (run make)"
	[[ -x $PTYDRIVE ]] || fail "$PTYDRIVE is missing (run make)"
	T=$BATS_TEST_TMPDIR
	WRAP=$T/wrap.sh
	cat >"$WRAP" <<-'EOF'
		#!/bin/sh
		# On ptydrive's PTY: the terminal settings around the client, its pid
		# (the inner sh execs it) and its exit status.
		trap : INT
		d=$1
		shift
		stty -g >"$d/stty.before"
		tty >"$d/tty"
		sh -c 'echo $$ >"$0"; exec "$@"' "$d/client.pid" "$@"
		rc=$?
		stty -g >"$d/stty.after"
		echo "rc=$rc"
		exit $rc
	EOF
	chmod +x "$WRAP"
}

teardown() {
	common_teardown
}

# Direct runs of the client are capped with timeout(1), so a shim that never
# closes the connection fails the test instead of hanging it.

# drive NAME PTYDRIVE_ARG... -- ATTACH_ARG...: run the client in the wrapper on
# a PTY (default 24x80, timeout 20 s per step); the transcript goes to T/NAME.out.
# Fails when a step fails (ptydrive's 255); a `wait STATUS` step checks the
# client's status, which ptydrive then exits with.
drive() {
	local name=$1
	shift
	local pd=()
	while [[ $# -gt 0 && $1 != -- ]]; do
		pd+=("$1")
		shift
	done
	shift
	local rc=0
	"$PTYDRIVE" -t 20 -o "$T/$name.out" "${pd[@]}" -- "$WRAP" "$T" "$ATTACH" "$@" || rc=$?
	[[ $rc != 255 ]]
}

# stty_unchanged: the client left the terminal exactly as it found it.
stty_unchanged() {
	[[ -s $T/stty.before && -s $T/stty.after ]] || { fail "no stty record"; return 1; }
	if ! cmp -s "$T/stty.before" "$T/stty.after"; then
		fail "stty -g before: $(cat "$T/stty.before") after: $(cat "$T/stty.after")"
		return 1
	fi
}

# ctr_run_stdin -- CMD...: a pipe-mode container with stdin (-i), started.
ctr_run_stdin() {
	ctr_new "$@" || return 1
	SHIM_ARGS+=(-i)
	shim_create
	check_created || return 1
	ctr_start
}

client_stopped() {
	[[ $(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) == T ]]
}

ctr_running() {
	[[ $(rt state "$CID" 2>/dev/null | jq -r .status) == running ]]
}

# ---------------------------------------------------------------- tty mode

@test "tty: type a command, see its output; ctrl-p ctrl-q detaches and the terminal is restored" {
	ctr_run --tty -- sh
	drive s1 -e 'send \r' -e 'expect # ' -e 'send echo h""i\r' -e 'expect \r\nhi\r\n' \
		-e 'send \x10' -e 'send \x11' -e 'expect detached' -e 'wait 0' -- "$B"
	grep -q '^rc=0' "$T/s1.out"
	stty_unchanged
	ctr_running
}

@test "tty: after a detach the container keeps running and a new attach works" {
	ctr_run --tty -- sh
	# Wait for proof that the assignment ran, not for a prompt: "# " also
	# matches the prompt printed for the first \r.
	drive a1 -e 'send \r' -e 'expect # ' -e 'send X=1""23; echo set-$X\r' -e 'expect set-123' \
		-e 'send \x10\x11' -e 'expect detached' -e 'wait 0' -- "$B"
	ctr_running
	# The shell's state survived: the variable set in the first session is there.
	drive a2 -e 'send \r' -e 'expect # ' -e 'send echo "v=$X"\r' -e 'expect v=123' \
		-e 'send \x10\x11' -e 'wait 0' -- "$B"
	ctr_running
}

@test "tty: ctrl-p followed by another key reaches the container as both bytes" {
	ctr_run --tty -- sh -c 'stty raw -echo; touch /share/raw; head -c 4 | od -An -tx1; sleep 1000'
	wait_for test -f "$B/share/raw"
	# ctrl-p, then 'a' in a later read: both go through. Then ctrl-p ctrl-p:
	# the second one starts a new match, so one ctrl-p goes through, and the
	# ctrl-q after it completes the sequence.
	drive p1 -e 'send \x10' -e 'sleep 100' -e 'send a' -e 'send b' -e 'send \x10\x10' \
		-e 'expect 10 61 62 10' -e 'send \x11' -e 'expect detached' -e 'wait 0' -- "$B"
	stty_unchanged
}

@test "tty: two clients at once both see the output and both can type" {
	ctr_run --tty -- sh
	# Client A: in its loop (the touch proves it), then waits for B's output.
	"$PTYDRIVE" -t 20 -o "$T/two-a.out" -e 'send \r' -e 'expect # ' -e 'send touch /share/a\r' \
		-e 'expect FROM-B' -e 'send echo FROM""-A\r' -e 'expect FROM-A' -e 'send \x10\x11' \
		-e 'wait 0' -- "$ATTACH" "$B" &
	local pa=$!
	wait_for test -f "$B/share/a"
	drive two-b -e 'send echo FROM""-B\r' -e 'expect FROM-B' -e 'expect FROM-A' \
		-e 'send \x10\x11' -e 'wait 0' -- "$B"
	wait "$pa"
}

@test "tty: --detach-keys changes the sequence; empty disables it" {
	ctr_run --tty -- sh
	drive k1 -e 'send \r' -e 'expect # ' -e 'send \x01' -e 'send x' -e 'send \x1d' \
		-e 'expect detached' -e 'wait 0' -- --detach-keys 'ctrl-a,x,ctrl-]' "$B"
	# With no detach keys, ctrl-p ctrl-q go to the shell, which stays attached.
	drive k2 -e 'send \r' -e 'expect # ' -e 'send \x10\x11' -e 'send echo st""ill\r' \
		-e 'expect still' -e 'send exit 4\r' -e 'wait 4' -- --detach-keys '' "$B"
	! grep -q detached "$T/k2.out" || false
}

@test "tty: the client's exit code is the container's, and the terminal is restored" {
	ctr_run --tty -- sh
	drive e1 -e 'send \r' -e 'expect # ' -e 'send exit 42\r' -e 'expect rc=42' -e 'wait 42' -- "$B"
	stty_unchanged
	wait_exit
	[[ $EXIT_CODE == 42 ]]
}

@test "tty: a container killed by a signal gives 128+N" {
	ctr_run --tty -- sh
	drive e2 -e 'send \r' -e 'expect # ' -e 'send touch /share/in-loop\r' -e 'expect rc=137' \
		-e 'wait 137' -- "$B" &
	local pd=$!
	wait_for test -f "$B/share/in-loop"
	rt kill "$CID" KILL
	wait "$pd"
	stty_unchanged
}

@test "tty: the initial size is sent on connect, and a resize reaches the container" {
	ctr_run --tty -- sh
	# The container's PTY starts at 0x0; only the client can have set 33x101.
	drive r1 -s 33x101 -e 'send \r' -e 'expect # ' \
		-e 'send until [ "$(stty size)" = "33 101" ]; do sleep 0.1; done; echo SIZE""1\r' \
		-e 'expect SIZE1' -e 'resize 41 131' \
		-e 'send until [ "$(stty size)" = "41 131" ]; do sleep 0.1; done; echo SIZE""2\r' \
		-e 'expect SIZE2' -e 'send stty size\r' -e 'expect 41 131' \
		-e 'send \x10\x11' -e 'wait 0' -- "$B"
}

@test "tty: SIGTERM and SIGHUP restore the terminal and exit 128+N" {
	local sig code
	for sig in TERM HUP; do
		ctr_run --tty -- sh
		rm -f "$T/client.pid" "$T/stty.after"
		code=$((128 + $(kill -l "$sig")))
		drive "sig$sig" -e 'send \r' -e 'expect # ' -e 'send touch /share/in-loop\r' \
			-e "expect rc=$code" -e "wait $code" -- "$B" &
		local pd=$!
		wait_for test -f "$B/share/in-loop"
		kill "-$sig" "$(cat "$T/client.pid")"
		wait "$pd"
		stty_unchanged
		ctr_running
	done
}

@test "tty: modes the container left on are reset on detach (alternate screen, cursor, paste, mouse)" {
	ctr_run --tty -- sh
	drive m1 -e 'send \r' -e 'expect # ' \
		-e "send printf '\\\\033[?1049h\\\\033[?25l\\\\033[?2004h\\\\033[?1000;1006h'; echo MO""DES\\r" \
		-e 'expect MODES' -e 'send \x10\x11' -e 'expect detached' -e 'wait 0' -- "$B"
	local tail
	tail=$(sed -n '/MODES/,$p' "$T/m1.out")
	for seq in '\[?1049l' '\[?25h' '\[?2004l' '\[?1000l' '\[?1006l'; do
		grep -q "$seq" <<<"$tail" || fail "reset $seq missing after detach"
	done
	stty_unchanged
}

@test "tty: a socket path longer than sun_path works" {
	ctr_run --tty -- sh
	local long=$T/$(printf 'l%.0s' {1..120})
	mkdir -p "$long"
	ln -s "$B" "$long/b"
	[[ ${#long} -gt 108 ]]
	drive l1 -s 30x90 -e 'send \r' -e 'expect # ' \
		-e 'send until [ "$(stty size)" = "30 90" ]; do sleep 0.1; done; echo LO""NG\r' \
		-e 'expect LONG' -e 'send exit 3\r' -e 'wait 3' -- "$long/b/attach"
}

# ----------------------------------------------------------- readline mode

# ready_loop WORD: shell code that prints WORD every 0.3 s until the first
# input line has been read (into $l): output shown by the client proves that
# readline is set up before anything is typed. The printing runs beside a
# plain blocking read (busybox's read -t could drop bytes at its deadline) and
# has stopped before the code after it runs.
ready_loop() {
	echo "(while [ ! -e /share/go ]; do echo $1; sleep 0.3; done) & p=\$!; read l; touch /share/go; wait \$p"
}

@test "readline: typed lines come back from cat; ctrl-d ends cat and the client" {
	ctr_run_stdin -- sh -c "$(ready_loop ready); echo \"first:\$l\"; exec cat"
	drive c1 -e 'expect ready' -e 'send hello\r' -e 'expect first:hello' \
		-e 'send wor' -e 'send ld\r' -e 'expect world\r\n' -e 'expect world\r\n' \
		-e 'send \x04' -e 'expect rc=0' -e 'wait 0' -- "$B"
	wait_exit
	[[ $EXIT_CODE == 0 ]]
	log_has "$LOGFILE" stdout F world
	stty_unchanged
}

@test "readline: output arriving while typing keeps the line being edited intact" {
	ctr_run_stdin -- sh -c "$(ready_loop tick); echo \"got:\$l\"; exit 6"
	# Type half a line, let ticks arrive (each redraws the prompt), edit it
	# (ctrl-a: to the start, ctrl-e: to the end), finish it.
	drive t1 -e 'expect tick' -e 'send abc' -e 'expect tick' -e 'expect tick' \
		-e 'send \x01>' -e 'send \x05def\r' -e 'expect got:>abcdef' -e 'wait 6' -- "$B"
	stty_unchanged
}

@test "readline: an unfinished output line becomes the prompt" {
	ctr_run_stdin -- sh -c "$(ready_loop ready); printf 'Name? '; read n; echo \"hi \$n\""
	drive n1 -e 'expect ready' -e 'send go\r' -e 'expect Name? ' -e 'send bob\r' \
		-e 'expect hi bob' -e 'wait 0' -- "$B"
	# The prompt was written once, by readline, with the typed text after it.
	grep -q 'Name? bob' "$T/n1.out"
}

@test "readline: ctrl-c ends the client with 130 and restores the terminal" {
	ctr_run_stdin -- sh -c "$(ready_loop ready); sleep 1000"
	drive i1 -e 'expect ready' -e 'send partial' -e 'send \x03' -e 'expect rc=130' -e 'wait 130' -- "$B"
	stty_unchanged
}

@test "readline: ctrl-z stops the client with the terminal restored; it resumes the line" {
	ctr_run_stdin -- sh -c "$(ready_loop ready); echo \"first:\$l\"; exec cat"
	drive z1 -e 'expect ready' -e 'send ab' -e 'expect ab' -e 'send \x1a' -e 'send cd\r' \
		-e 'expect first:abcd' -e 'send \x04' -e 'expect rc=0' -e 'wait 0' -- "$B" &
	local pd=$! pid
	wait_for test -s "$T/client.pid"
	pid=$(cat "$T/client.pid")
	wait_for -m "client $pid stopped" client_stopped "$pid"
	# While it is stopped the terminal is the user's again.
	[[ $(stty -F "$(cat "$T/tty")" -g) == "$(cat "$T/stty.before")" ]]
	kill -CONT "$pid"
	wait "$pd"
	stty_unchanged
}

@test "readline: ctrl-p ctrl-q detaches" {
	ctr_run_stdin -- sh -c "$(ready_loop ready); sleep 1000"
	drive d1 -e 'expect ready' -e 'send \x10\x11' -e 'expect detached' -e 'wait 0' -- "$B"
	stty_unchanged
}

# ------------------------------------------------------- non-terminal stdin

@test "pipe: non-terminal stdin is copied; EOF closes the container's stdin" {
	ctr_run_stdin -- cat
	run --separate-stderr -0 timeout 30 "$ATTACH" "$B" < <(printf 'a\nb\n')
	[[ $output == $'a\nb' ]]
	wait_exit
	[[ $EXIT_CODE == 0 ]]
}

@test "pipe: the exit code is the container's; stderr frames go to stderr" {
	ctr_run_stdin -- sh -c 'read l; echo "out:$l"; echo "err:$l" >&2; exit 5'
	run --separate-stderr -5 timeout 30 "$ATTACH" "$B" < <(printf 'x\n')
	[[ $output == out:x ]]
	[[ $stderr == err:x ]]
}

@test "pipe: a socket path works as well as the bundle directory" {
	ctr_run_stdin -- sh -c 'read l; echo "got:$l"'
	run --separate-stderr -0 timeout 30 "$ATTACH" "$B/attach" < <(printf 'y\n')
	[[ $output == got:y ]]
}

@test "pipe: --no-stdin watches without sending or closing the container's stdin" {
	ctr_run_stdin -- sh -c 'read l; echo "got:$l"'
	"$ATTACH" --no-stdin --ready-fd 3 "$B" < <(printf 'not-sent\n') >"$T/watch.out" 2>&1 3>"$T/ready" &
	local pid=$!
	# The client has read its stdin's EOF long before it could matter; the
	# container must still be waiting for input.
	wait_for -m "client attached" test -s "$T/ready"
	# A second client delivers the line; the watcher sees the output.
	run -0 timeout 30 "$ATTACH" "$B" < <(printf 'real\n')
	# The container ends, so the watcher must end too.
	wait_for -t 30 pid_dead "$pid" || { kill "$pid"; fail "the watcher did not end"; }
	wait "$pid"
	grep -q 'got:real' "$T/watch.out"
	! grep -q 'not-sent' "$T/watch.out" || false
}

@test "attach before start: --ready-fd says when, and the first output is seen" {
	# podman's order: create, connect the client, then start the container.
	ctr_new -- sh -c 'echo first-words; exit 3'
	SHIM_ARGS+=(-i)
	shim_create
	check_created
	timeout 30 "$ATTACH" --ready-fd 3 "$B" </dev/null >"$T/early.out" 2>"$T/early.err" 3>"$T/ready" &
	local pid=$!
	wait_for -m "client attached" test -s "$T/ready"
	ctr_start
	local rc=0
	wait "$pid" || rc=$?
	[[ $rc == 3 ]] || fail "client exit $rc: $(cat "$T/early.err")"
	[[ $(cat "$T/early.out") == first-words ]]
}

@test "--ready-fd: a bad descriptor is a usage error" {
	run --separate-stderr -1 "$ATTACH" --ready-fd 77 "$T"
	[[ $stderr == "ptyshim-attach: --ready-fd 77: not an open file descriptor (see --help)" ]]
	run --separate-stderr -1 "$ATTACH" --ready-fd 2 "$T"
	[[ $stderr == *"--ready-fd \"2\": not a file descriptor number"* ]]
}

@test "exit code unknown: a missing exit file gives 255 with a warning" {
	ctr_run_stdin -- cat
	run --separate-stderr -255 timeout 30 "$ATTACH" --exit-file "$T/never" --exit-timeout 1 "$B" < <(printf 'q\n')
	[[ $output == q ]]
	# The shim wrote its own exit file and ended: this client says it is
	# gone and where it looked.
	[[ $stderr == "ptyshim-attach: the shim is gone and no exit code appeared at $T/never: the container's exit code is unknown" ]]
}

# ---------------------------------------------------------------- bad input

@test "bad detach-key specs and targets: one-line error, exit 1" {
	local spec
	for spec in 'ctrl-1' 'ctrl-p,' ',' 'ab' 'ctrl-pq' 'alt-x'; do
		run --separate-stderr -1 "$ATTACH" --detach-keys "$spec" "$T"
		[[ $stderr == "ptyshim-attach: --detach-keys "* ]]
		[[ $(wc -l <<<"$stderr") == 1 ]]
	done
	run --separate-stderr -1 "$ATTACH" "$T/missing"
	[[ $stderr == "ptyshim-attach: $T/missing: No such file or directory" ]]
	# A directory without an attach socket.
	run --separate-stderr -1 "$ATTACH" "$T"
	[[ $stderr == "ptyshim-attach: $T/attach: "* ]]
	run --separate-stderr -1 "$ATTACH"
	[[ $stderr == *"missing BUNDLE_DIR"* ]]
	run --separate-stderr -1 "$ATTACH" --bogus "$T"
	[[ $stderr == *"unknown option"*"--bogus"* ]]
}
