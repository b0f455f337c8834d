# demo/ptyman and `make demo` (issue 6, items 2-4): the manager a new user
# meets first. Every prompt session runs on a real PTY driven by ptydrive
# (CI has no terminal). Containers are runc + busybox when root; the
# runtime-less mode's tests run as a non-root user (the one from TEST_USER,
# created when missing), which is the situation that mode exists for.
#
# Each test has its own ptyman state directory; teardown removes every
# container in it with `ptyman rm -f`, then kills any shim still alive.
# Ordering never relies on sleeps: ptydrive waits for the prompt or for the
# container's output, and everything else is polled with a cap.
bats_require_minimum_version 1.5.0
load lib

TEST_USER=${TEST_USER:-ptyshimtest}

setup() {
	common_setup
	PTYMAN=$ROOT/demo/bin/ptyman
	[[ -x $PTYMAN ]] || fail "$PTYMAN is missing (run make)"
	[[ -x $PTYDRIVE ]] || fail "$PTYDRIVE is missing (run make)"
	local b
	for b in ptyshim ptyshim-attach ptyshim-logs; do
		[[ -x ${PTYMAN_BIN:-$ROOT/bin}/$b ]] || fail "${PTYMAN_BIN:-$ROOT/bin}/$b is missing (run make)"
	done
	BIN_ARGS=(--bin "${PTYMAN_BIN:-$ROOT/bin}")
	T=$BATS_TEST_TMPDIR
	ST=$T/state
	AS_USER=()
}

teardown() {
	pm_cleanup
	common_teardown
	[[ -n ${USER_DIR:-} ]] && rm -rf "$USER_DIR"
	return 0
}

# pm ARG...: ptyman on this test's state directory (as TEST_USER after
# use_test_user), one command, no prompt.
pm() {
	"${AS_USER[@]}" "$PTYMAN" "${BIN_ARGS[@]}" --state "$ST" "$@"
}

# session NAME STEP...: a ptyman prompt session on a PTY; each STEP is one
# ptydrive step. The transcript goes to T/NAME.out. Fails when a step
# fails; the script should end with `wait 0` after quit.
session() {
	local name=$1 steps=() s
	shift
	for s in "$@"; do steps+=(-e "$s"); done
	local rc=0
	"$PTYDRIVE" -t 20 -s 24x80 -o "$T/$name.out" "${steps[@]}" -- \
		"${AS_USER[@]}" "$PTYMAN" "${BIN_ARGS[@]}" --state "$ST" || rc=$?
	if ((rc != 0)); then
		echo "# session $name failed with status $rc; transcript:" >&2
		sed 's/^/#   /' "$T/$name.out" >&2 2>/dev/null || true
		return 1
	fi
}

# ps_has NAME STATUS: `ptyman ps` shows the container with that status.
ps_has() {
	local out
	out=$(pm ps) || return 1
	grep -Eq "^$1 +$2 " <<<"$out" || {
		echo "# ps: want $1 $2, got:" >&2
		sed 's/^/#   /' <<<"$out" >&2
		return 1
	}
}

monitor_pid() {
	cat "$ST/ctr/$1/conmon.pid" 2>/dev/null
}

# Remove every container of the test, whatever state it is in; then make
# sure no shim of ours is left (rm -f already waits for them).
pm_cleanup() {
	[[ -d $ST/ctr ]] || return 0
	local d name pid
	for d in "$ST"/ctr/*/; do
		[[ -d $d ]] || continue
		name=$(basename "$d")
		pid=$(monitor_pid "$name")
		pm rm -f "$name" >/dev/null 2>&1 || true
		if [[ -n $pid ]] && pid_alive "$pid" && grep -qaF "$d" "/proc/$pid/cmdline" 2>/dev/null; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done
	if [[ -d $ST/runc ]]; then
		for name in $(runc --root "$ST/runc" list -q 2>/dev/null); do
			runc --root "$ST/runc" delete -f "$name" >/dev/null 2>&1 || true
		done
	fi
}

# use_test_user: run ptyman as a non-root user from now on. As root that is
# TEST_USER (created if missing) through setpriv, with a state directory it
# owns outside this test's private tmpdir; as a non-root runner, ourselves.
use_test_user() {
	if [[ $(id -u) != 0 ]]; then
		return 0
	fi
	if ! id "$TEST_USER" >/dev/null 2>&1; then
		useradd -m "$TEST_USER" >/dev/null 2>&1 ||
			skip "cannot create the non-root user $TEST_USER (useradd failed)"
	fi
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is needed to run as $TEST_USER"
	USER_DIR=$(mktemp -d /tmp/ptyman-test.XXXXXX)
	chmod 0755 "$USER_DIR"
	chown "$TEST_USER:" "$USER_DIR"
	ST=$USER_DIR/state
	local home
	home=$(getent passwd "$TEST_USER" | cut -d: -f6)
	AS_USER=(setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --init-groups
		env -i "HOME=$home" "PATH=/usr/local/bin:/usr/bin:/bin" "TERM=xterm")
	# The build must be usable by that user (a checkout in a private
	# home directory would not be).
	"${AS_USER[@]}" test -x "$PTYMAN" ||
		skip "$TEST_USER cannot run $PTYMAN (the build tree is not readable by other users)"
}

# ------------------------------------------------------------ runc mode

@test "ptyman: run -it lands in the container, detach returns to the prompt, ps shows running" {
	require_root
	session s1 'expect ptyman> ' \
		'send run -it --name web\r' 'expect [web /]# ' \
		'send echo typed-$((6*7))\r' 'expect typed-42' \
		'send \x10\x11' 'expect detached' 'expect ptyman> ' \
		'send ps\r' 'expect_re web +running +yes +runc +sh' 'expect ptyman> ' \
		'send quit\r' 'wait 0'
	# The shim and the container outlive ptyman.
	pid_alive "$(monitor_pid web)"
	[[ $(runc --root "$ST/runc" state web | jq -r .status) == running ]]
	ps_has web running
}

@test "ptyman: a new ptyman attaches to the survivor; exit 3 shows as exited (3); logs and replay show the session" {
	require_root
	session s1 'expect ptyman> ' \
		'send run -it --name keep\r' 'expect # ' \
		'send X=sur""vived; echo set-$X\r' 'expect set-survived' \
		'send \x10\x11' 'expect ptyman> ' 'send quit\r' 'wait 0'
	ps_has keep running
	# A second ptyman knows nothing but the state directory. attach shows
	# the earlier session's screen before anything is typed (the repaint).
	session s2 'expect running from an earlier session: keep' 'expect ptyman> ' \
		'send attach keep\r' 'expect set-survived' 'send echo "still $X"\r' 'expect still survived' \
		'send exit 3\r' 'expect [keep exited (3)]' 'expect ptyman> ' \
		'send ps\r' 'expect_re keep +exited \(3\)' 'expect ptyman> ' \
		'send logs keep\r' 'expect still survived' 'expect ptyman> ' \
		'send replay --speed 20 keep\r' 'expect still survived' 'expect ptyman> ' \
		'send quit\r' 'wait 0'
	ps_has keep 'exited \(3\)'
	[[ $(cat "$ST/exits/keep") == 3 ]]
	wait_for pid_dead "$(monitor_pid keep)"
	# The whole session is in the log: before the detach and after it.
	run -0 pm logs keep
	[[ $output == *'X=sur""vived'* ]]
	[[ $output == *'still survived'* ]]
	[[ $output == *'exit 3'* ]]
	run -0 pm replay --speed 50 keep
	[[ $output == *'still survived'* ]]
}

@test "ptyman: exec -it runs a second shell in the container and reports its exit code" {
	require_root
	run -0 --separate-stderr pm run -d -it --name box
	[[ $output == box ]]
	session e1 'expect ptyman> ' \
		'send exec -it box sh\r' 'expect [box /]# ' \
		'send echo "in $(hostname) as $$"\r' 'expect_re in box as [0-9]+' \
		'send exit 5\r' 'expect [box: sh exited (5)]' 'expect ptyman> ' \
		'send quit\r' 'wait 0'
	# Without a terminal, output still comes through and the code is ours.
	run -4 --separate-stderr pm exec box sh -c 'echo plain-exec; exit 4'
	[[ $output == *plain-exec* ]]
	# exec output is not the container's log (podman passes -l none too).
	run -0 pm logs box
	[[ $output != *plain-exec* ]]
	ps_has box running
	[[ ! -e $ST/ctr/box/exec/exec1 ]]
}

@test "ptyman: a command that cannot run gives the runtime's error and leaves no container" {
	require_root
	run -1 --separate-stderr pm run --name bad /nonexistent
	[[ $stderr == *'ptyman: run: '*'/nonexistent'*'no such file or directory'* ]]
	[[ ! -e $ST/ctr/bad ]]
	run -0 pm ps
	[[ $output != *bad* ]]
	# The name is free again.
	run -0 pm run --name bad true
}

@test "ptyman: kill, wait, rm; rm refuses a running container without -f" {
	require_root
	run -0 pm run -d --name k sleep 1000
	ps_has k running
	run -1 --separate-stderr pm rm k
	[[ $stderr == *'k is running'* ]]
	run -0 pm kill k KILL
	run -0 pm wait k
	[[ $output == 137 ]]
	ps_has k 'exited \(137\)'
	run -0 pm rm k
	[[ ! -e $ST/ctr/k && ! -e $ST/exits/k ]]
	[[ -z $(runc --root "$ST/runc" list -q) ]]
	run -0 pm run -d --name k2 sleep 1000
	local mon
	mon=$(monitor_pid k2)
	run -0 pm rm -f k2
	pid_dead "$mon"
	[[ ! -e $ST/ctr/k2 ]]
	run -2 --separate-stderr pm kill nosuch BOGUS
	[[ $stderr == *'unknown signal'* ]]
}

@test "ptyman: tab completes commands and container names; history survives a restart" {
	require_root
	run -0 pm run -d -it --name zebra
	session c1 'expect ptyman> ' \
		'send at\t' 'expect attach ' 'send ze\t' 'expect zebra ' \
		'send \x15ps\r' 'expect_re zebra +running' 'expect ptyman> ' \
		'send kill zebra KI\t' 'expect KILL' 'send \r' 'expect ptyman> ' \
		'send quit\r' 'wait 0'
	run -0 pm wait zebra
	[[ $output == 137 ]]
	# Up-arrow in a new ptyman: quit, then the command before it.
	session c2 'expect ptyman> ' 'send \e[A' 'expect quit' 'send \e[A' 'expect kill zebra KILL' \
		'send \x15quit\r' 'wait 0'
	grep -qx 'kill zebra KILL *' "$ST/history"
}

@test "ptyman: run -i streams a pipe into the container and closes it at EOF" {
	require_root
	run -0 --separate-stderr pm run -i --name cat sh -c 'cat; echo "rc=$?"' <<<$'line one\nline two'
	[[ $output == $'line one\nline two\nrc=0'* ]]
	ps_has cat 'exited \(0\)'
}

@test "ptyman: logs -f follows until the container exits; ctrl-c stops following and clears a typed line" {
	require_root
	run -0 pm run -d --name tick sh -c 'trap "echo tick-2; exit 0" USR1; echo tick-1; while :; do sleep 0.05; done'
	# -f ends by itself when the exit file appears.
	timeout 30 "$PTYMAN" "${BIN_ARGS[@]}" --state "$ST" logs -f tick >"$T/follow.out" &
	local follower=$!
	wait_for grep -q tick-1 "$T/follow.out"
	run -0 pm kill tick USR1
	wait "$follower"
	[[ $(cat "$T/follow.out") == $'tick-1\ntick-2' ]]
	# At the prompt, ctrl-c ends a follow (the container keeps running),
	# and on a half-typed line it gives a fresh prompt.
	run -0 pm run -d --name loop sh -c 'while :; do echo looping; sleep 0.2; done'
	session f1 'expect ptyman> ' \
		'send logs -f loop\r' 'expect looping' 'send \x03' 'expect ptyman> ' \
		'sleep 100' 'send rm loop' 'send \x03' 'expect ptyman> ' \
		'send ps\r' 'expect_re loop +running' 'expect ptyman> ' \
		'send quit\r' 'wait 0'
	ps_has loop running
}

@test "ptyman: bad input gets a one-line error and a non-zero status" {
	run -2 --separate-stderr pm frobnicate
	[[ $stderr == 'ptyman: frobnicate: unknown command (try help)' ]]
	run -2 --separate-stderr pm run --name 'bad/name' true
	[[ $stderr == "ptyman: run: bad name 'bad/name'"* ]]
	run -2 --separate-stderr pm run --bogus
	[[ $stderr == 'ptyman: run: unknown option or missing value: --bogus'* ]]
	run -1 --separate-stderr pm attach nosuch
	[[ $stderr == 'ptyman: nosuch: no such container' ]]
	run -2 --separate-stderr "$PTYMAN" --frob
	[[ $stderr == 'ptyman: --frob: unknown option'* ]]
	# Damaged records in the state directory: reported, never a crash.
	mkdir -p "$ST/ctr/odd" "$ST/ctr/junk"
	echo '{"mode": null, "command": [null, 1, "sh"], "pid": "x"}' >"$ST/ctr/odd/ptyman.json"
	echo 'not json' >"$ST/ctr/junk/ptyman.json"
	run -0 --separate-stderr pm ps
	[[ $output == *$'\nodd '*'gone'*' sh'* ]]
	[[ $stderr == *'junk: unreadable record'* ]]
	run -0 --separate-stderr pm rm odd junk
	run -1 --separate-stderr pm rm junk
	rm -rf "$ST/ctr/junk"
	# Lines on stdin: an unterminated quote is reported and the next line runs.
	run -0 --separate-stderr pm <<<$'ps "x\nps'
	[[ $stderr == 'ptyman: unterminated double quote' ]]
	[[ $output == *NAME* ]]
}

# ------------------------------------------------------- runtime-less mode

@test "ptyman without root: says so in one line, runs commands on the host; detach, attach again, exit 3, logs, replay" {
	use_test_user
	session u1 'expect ptyman: not root' 'expect ptyman> ' \
		'send run -it --name u\r' 'expect [u] $ ' \
		'send id -u; echo "me-$((2+3))"\r' 'expect me-5' \
		'send \x10\x11' 'expect detached' 'expect ptyman> ' \
		'send ps\r' 'expect_re u +running +yes +none' 'expect ptyman> ' \
		'send quit\r' 'wait 0'
	grep -c 'not root' "$T/u1.out" | grep -qx 1
	# The command ran as the user, on the host (no container, no root).
	local uid
	uid=$("${AS_USER[@]}" id -u)
	grep -q "^$uid"$'\r'"\$" "$T/u1.out"
	[[ $(stat -c %U "$ST/ctr/u/ctr.log") == "$("${AS_USER[@]}" id -un)" ]]
	ps_has u running
	session u2 'expect running from an earlier session: u' 'expect ptyman> ' \
		'send attach u\r' 'send echo "back-$((5+5))"\r' 'expect back-10' \
		'send exit 3\r' 'expect [u exited (3)]' 'expect ptyman> ' \
		'send ps\r' 'expect_re u +exited \(3\)' 'expect ptyman> ' \
		'send logs u\r' 'expect me-5' 'expect back-10' 'expect ptyman> ' \
		'send replay --speed 20 u\r' 'expect back-10' 'expect ptyman> ' \
		'send quit\r' 'wait 0'
	[[ $(cat "$ST/exits/u") == 3 ]]
	run -0 pm logs u
	[[ $output == *me-5* && $output == *back-10* ]]
}

@test "ptyman: screen NAME prints the screen as it is now (-e: colours), completes, and is in help; a pipe container has none" {
	use_test_user
	run -0 pm run -d -t --name show sh -c 'printf "hello \033[35mscreen\033[0m\n"; exec sleep 1000'
	wait_for -m "the screen of show" eval '[[ $(pm screen show 2>/dev/null) == "hello screen" ]]'
	run -0 --separate-stderr pm screen -e show
	[[ $output == "hello "$'\e['*"35mscreen"$'\e['*m ]]
	session sc1 'expect ptyman> ' 'send scr\t' 'expect screen ' 'send sh\t' 'expect show ' \
		'send \r' 'expect hello screen' 'expect ptyman> ' \
		'send help\r' 'expect screen [-e] NAME' 'expect ptyman> ' 'send quit\r' 'wait 0'
	run -0 pm run -d --name quiet sleep 1000
	run -1 --separate-stderr pm screen quiet
	[[ $stderr == "ptyman: screen: quiet has no terminal (it was not run with -t), so it has no screen; try logs quiet" ]]
	run -2 --separate-stderr pm screen
	[[ $stderr == "usage: screen [-e] NAME" ]]
}

@test "ptyman without root: pipes, -d, kill, wait, rm, and a missing command" {
	use_test_user
	run -0 --separate-stderr pm run -i --name p sh -c 'cat; echo "rc=$?"' <<<$'a\nb'
	[[ $output == $'a\nb\nrc=0'* ]]
	ps_has p 'exited \(0\)'
	run -0 pm run -d --name d sleep 1000
	ps_has d running
	run -0 pm kill d TERM
	run -0 pm wait d
	[[ $output == 143 ]]
	run -1 --separate-stderr pm run --name missing no-such-command-here
	[[ $stderr == *'no-such-command-here: No such file or directory'* ]]
	[[ ! -e $ST/ctr/missing ]]
	run -1 --separate-stderr pm exec p sh
	[[ $stderr == *'not running'* || $stderr == *'no container'* ]]
	run -0 pm rm p d
	run -0 pm ps
	[[ $(wc -l <<<"$output") == 1 ]]
}

@test "ptyman without root: the default state directory is the user's" {
	use_test_user
	local home=$T/home
	[[ -n ${USER_DIR:-} ]] && home=$USER_DIR/home
	mkdir -p "$home"
	[[ $(id -u) == 0 ]] && chown "$TEST_USER:" "$home"
	# No XDG_RUNTIME_DIR: ~/.local/state/ptyman.
	run -0 "${AS_USER[@]}" env -u XDG_RUNTIME_DIR "HOME=$home" "$PTYMAN" "${BIN_ARGS[@]}" run --name h true
	[[ -f $home/.local/state/ptyman/ctr/h/ptyman.json ]]
	[[ -f $home/.local/state/ptyman/exits/h ]]
	run -0 "${AS_USER[@]}" env -u XDG_RUNTIME_DIR "HOME=$home" "$PTYMAN" "${BIN_ARGS[@]}" rm h
}

# ------------------------------------------------------------- make demo

@test "make demo: without a terminal it says so and runs the scripted demonstration" {
	run -0 --separate-stderr env PTYMAN_STATE="$ST" "$ROOT/demo/run-demo.sh" --no-build </dev/null
	[[ ${lines[0]} == 'ptyman demo: stdin is not a terminal'* ]]
	[[ $output == *'ptyman> run --name hello'* ]]
	[[ $stderr == *'[hello exited (3)]'* ]]
	[[ $output == *$'tick 1\ntick 2\ntick 3'* ]]
	[[ $output == *'on a terminal: /dev/pts/'* ]]
	# It cleans up after itself.
	run -0 pm ps
	[[ $(wc -l <<<"$output") == 1 ]]
}

@test "make demo: on a terminal the person lands in a container, and exit gives the prompt" {
	require_root
	"$PTYDRIVE" -t 30 -o "$T/demo.out" -E "PTYMAN_STATE=$ST" \
		-e 'expect ctrl-p ctrl-q detaches' -e 'expect_re \[c1 /\]# ' \
		-e 'send hostname\r' -e 'expect c1' \
		-e 'send exit 7\r' -e 'expect [c1 exited (7)]' -e 'expect ptyman> ' \
		-e 'send ps\r' -e 'expect_re c1 +exited \(7\)' -e 'expect ptyman> ' \
		-e 'send quit\r' -e 'wait 0' -- "$ROOT/demo/run-demo.sh" --no-build ||
		{ sed 's/^/#   /' "$T/demo.out" >&2; false; }
}

@test "make demo without root: on a terminal it says so in one line and lands in a runtime-less shell" {
	use_test_user
	"$PTYDRIVE" -t 30 -o "$T/demo.out" \
		-e 'expect ptyman: not root' -e 'expect [c1] $ ' \
		-e 'send echo "on-host-$((1+1))"\r' -e 'expect on-host-2' \
		-e 'send \x10\x11' -e 'expect detached' -e 'expect ptyman> ' \
		-e 'send ps\r' -e 'expect_re c1 +running +yes +none' -e 'expect ptyman> ' \
		-e 'send quit\r' -e 'wait 0' \
		-- "${AS_USER[@]}" env "PTYMAN_STATE=$ST" "$ROOT/demo/run-demo.sh" --no-build ||
		{ sed 's/^/#   /' "$T/demo.out" >&2; false; }
	[[ $(grep -c 'not root' "$T/demo.out") == 1 ]]
	ps_has c1 running
}
