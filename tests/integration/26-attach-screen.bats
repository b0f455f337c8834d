# ptyshim-attach and the shim's screen model (issue 12): `--snapshot [-e]`
# prints the current screen of a running terminal container, a client that
# attaches again sees the earlier output at once (the shim's repaint), and a
# connection that ends without an exit code is explained in one line.
#
# The screen socket and --attach-queue-size are ptyshim's, so every test here
# is skipped for SHIM=/usr/bin/conmon. Terminal sessions run on ptydrive's PTY
# (CI has no terminal). Tests that need no container run the shim
# runtime-less (--no-runtime: no root needed); the others use runc.
bats_require_minimum_version 1.5.0
load lib

setup() {
	common_setup
	require_shim
	is_ptyshim || skip "the screen socket is ptyshim's ($SHIM is not ptyshim)"
	ATTACH=${ATTACH:-$ROOT/bin/ptyshim-attach}
	[[ -x $ATTACH ]] || fail "$ATTACH is missing (run make)"
	[[ -x $PTYDRIVE ]] || fail "$PTYDRIVE is missing (run make)"
	T=$BATS_TEST_TMPDIR
	NR_N=0
}

# The runtime-less commands are their sessions' leaders: their process groups
# go, and their shims end with them.
teardown() {
	local f
	for f in "$T"/nr*/ctr.pid; do
		[[ -s $f ]] && kill -KILL -- "-$(cat "$f")" 2>/dev/null
	done
	common_teardown
}

# nr_shim [SHIM_OPTION...] -- CMD [ARG...]: a runtime-less shim for CMD, run
# through fakemgr as podman runs conmon. Sets D (its bundle dir), CID,
# MON_PID (the shim), CTR_PID (the command).
nr_shim() {
	local opts=()
	while [[ $# -gt 0 && $1 != -- ]]; do
		opts+=("$1")
		shift
	done
	shift
	NR_N=$((NR_N + 1))
	D=$T/nr$NR_N
	mkdir -p "$D"
	CID=$(new_cid)
	"$FAKEMGR" -t 10 -- "$SHIM" -c "$CID" -u "$CID" -n "$CID" -b "$D" --full-attach \
		-l "k8s-file:$D/ctr.log" --exit-dir "$D" --conmon-pidfile "$D/mon.pid" --log-level warning \
		"${opts[@]}" --no-runtime -- "$@" >"$D/.sync" 2>"$D/.err" 3>&- ||
		{ fail "shim did not start: $(cat "$D/.sync" "$D/.err")"; return 1; }
	CTR_PID=$(sed -n 's/^{"\(data\|pid\)": \([0-9]\+\)}$/\2/p' "$D/.sync" | head -1)
	[[ -n $CTR_PID ]] || { fail "no pid in the sync message: $(cat "$D/.sync")"; return 1; }
	echo "$CTR_PID" >"$D/ctr.pid"
	MON_PID=$(cat "$D/mon.pid")
}

# snapshot_has [-e] TARGET TEXT: --snapshot of TARGET succeeds and shows TEXT
# (the shim feeds its model asynchronously: poll this).
snapshot_has() {
	local flags=()
	if [[ $1 == -e ]]; then
		flags=(-e)
		shift
	fi
	local out
	out=$("$ATTACH" --snapshot "${flags[@]}" "$1" 2>/dev/null) && [[ $out == *"$2"* ]]
}

ctr_running() {
	[[ $(rt state "$CID" 2>/dev/null | jq -r .status) == running ]]
}

# -------------------------------------------------------------- --snapshot

@test "--snapshot: printf'd lines as text, and with -e their colours; nothing needs a terminal" {
	nr_shim -t -- sh -c 'printf "first line\n\033[31mred words\033[0m plain\nlast\n"; exec sleep 1000'
	wait_for -m "the screen shows last" snapshot_has "$D" last
	run --separate-stderr -0 "$ATTACH" --snapshot "$D" </dev/null
	[[ $output == $'first line\nred words plain\nlast'* ]]
	[[ -z $stderr ]]
	# The colour is there with -e, as SGR, and the text around it is unchanged.
	run --separate-stderr -0 "$ATTACH" --snapshot -e "$D" </dev/null
	[[ $output == *$'\e['*'31m'"red words"$'\e['*'m plain'* ]]
	[[ $output == "first line"* ]]
	# The attach socket's path finds the screen socket beside it.
	run --separate-stderr -0 "$ATTACH" --snapshot "$D/attach"
	[[ $output == $'first line\nred words plain\nlast'* ]]
	# Nothing was attached: the command is still there, alone.
	kill -0 "$CTR_PID"
}

@test "--snapshot: a runc terminal container's screen; stdout a pipe, no terminal anywhere" {
	require_root
	ctr_run --tty -- sh -c 'printf "in \033[1;32mrunc\033[0m\n"; touch /share/shown; exec sleep 1000'
	wait_for test -f "$B/share/shown"
	wait_for -m "the screen shows runc" snapshot_has "$B" "in runc"
	local out
	out=$("$ATTACH" --snapshot -e "$B" </dev/null | cat)
	[[ $out == *"in "$'\e['*"32m"* ]]
	ctr_running
}

@test "--snapshot errors: a pipe-mode container, --no-screen, a gone shim, nothing there; one line, status 1" {
	require_root
	ctr_run -- sleep 1000
	run --separate-stderr -1 "$ATTACH" --snapshot "$B"
	[[ $stderr == "ptyshim-attach: $B/screen: no screen socket: the container has no terminal (pipe mode), so it has no screen; its output is in its log (ptyshim-logs)" ]]
	[[ -z $output ]]
	# A terminal container whose shim keeps no screen model.
	ctr_new --tty -- sleep 1000
	SHIM_ARGS+=(--no-screen)
	shim_create
	check_created
	ctr_start
	run --separate-stderr -1 "$ATTACH" --snapshot "$B"
	[[ $stderr == "ptyshim-attach: $B/screen: no screen socket: its shim keeps no screen model"*"--no-screen"* ]]
	# A shim that is gone left its socket behind.
	nr_shim -t -- sleep 1000
	# A blank screen is an empty answer, and no error.
	run --separate-stderr -0 "$ATTACH" --snapshot "$D"
	[[ -z $output && -z $stderr ]]
	kill -KILL "$MON_PID"
	wait_for pid_dead "$MON_PID"
	run --separate-stderr -1 "$ATTACH" --snapshot "$D"
	[[ $stderr == "ptyshim-attach: $D/screen: connection refused: the shim is gone (the container ended, or its shim was killed)" ]]
	# A directory with nothing in it.
	mkdir "$T/empty"
	run --separate-stderr -1 "$ATTACH" --snapshot "$T/empty"
	[[ $stderr == "ptyshim-attach: $T/empty/screen: no screen socket, and no attach socket beside it"* ]]
	# -e alone is a usage error.
	run --separate-stderr -1 "$ATTACH" -e "$B"
	[[ $stderr == "ptyshim-attach: -e goes with --snapshot (see --help)" ]]
}

@test "--snapshot: an \"error: \" answer is one line, status 1, nothing on stdout" {
	command -v socat >/dev/null || skip "socat is not installed"
	mkdir "$T/fake"
	socat "UNIX-LISTEN:$T/fake/screen" SYSTEM:'read l; echo "error: not now, $l"' &
	local pid=$!
	wait_for test -S "$T/fake/screen"
	run --separate-stderr -1 "$ATTACH" --snapshot "$T/fake"
	[[ $stderr == "ptyshim-attach: $T/fake/screen: the shim says: not now, text" ]]
	[[ -z $output ]]
	wait "$pid"
}

# ----------------------------------------------------------------- re-attach

@test "re-attach: the client's screen shows earlier output without a keypress" {
	require_root
	ctr_run --tty -- sh
	"$PTYDRIVE" -t 20 -o "$T/a1.out" -e 'send \r' -e 'expect # ' -e 'send echo ear""lier-$((6*7))\r' \
		-e 'expect earlier-42' -e 'send \x10\x11' -e 'expect detached' -e 'wait 0' -- "$ATTACH" "$B"
	# Nothing is typed in the second session before the earlier output is
	# seen: only the shim's repaint can have brought it.
	"$PTYDRIVE" -t 20 -o "$T/a2.out" -e 'expect earlier-42' -e 'send \x10\x11' -e 'expect detached' \
		-e 'wait 0' -- "$ATTACH" "$B"
	ctr_running
	# And --snapshot agrees.
	snapshot_has "$B" 'earlier-42'
}

# ------------------------------------------------ the end of a connection

@test "pipe: a client that stops reading is cut off; it says so in one line, exits 255; the log has it all" {
	require_root
	ctr_new -- sh -c 'while [ ! -e /share/go ]; do sleep 0.02; done
		head -c 3000000 /dev/zero | tr "\0" x; echo; echo flood-done; exec sleep 1000'
	SHIM_ARGS+=(--attach-queue-size 65536)
	shim_create
	check_created
	ctr_start
	"$ATTACH" --no-stdin --ready-fd 3 "$B" >"$T/cut.out" 2>"$T/cut.err" 3>"$T/ready" &
	local pid=$!
	wait_for -m "client attached" test -s "$T/ready"
	# A client that reads nothing while the container floods its stdout.
	kill -STOP "$pid"
	touch "$B/share/go"
	wait_for -m "the flood in the log" grep -q flood-done "$LOGFILE"
	kill -CONT "$pid"
	local rc=0
	wait "$pid" || rc=$?
	[[ $rc == 255 ]] || fail "client exit $rc: $(cat "$T/cut.err")"
	[[ $(cat "$T/cut.err") == "ptyshim-attach: the shim cut this client off while the container still runs: it fell more than --attach-queue-size behind the output, which in pipe mode is never dropped; the log has every byte (ptyshim-logs $LOGFILE); attach again to go on" ]]
	# It got a part, and the log has all of it.
	[[ $(wc -c <"$T/cut.out") -lt 3000000 ]]
	[[ $(log_content "$LOGFILE" | head -1 | wc -c) == 3000001 ]]
	ctr_running
}

@test "the shim killed under a client: it says the shim is gone while the container runs, exits 255" {
	require_root
	ctr_run -- sh -c 'touch /share/up; exec sleep 1000'
	wait_for test -f "$B/share/up"
	"$ATTACH" --no-stdin --ready-fd 3 "$B" >/dev/null 2>"$T/gone.err" 3>"$T/ready" &
	local pid=$!
	wait_for -m "client attached" test -s "$T/ready"
	kill -KILL "$MON_PID"
	local rc=0
	wait "$pid" || rc=$?
	[[ $rc == 255 ]] || fail "client exit $rc: $(cat "$T/gone.err")"
	[[ $(cat "$T/gone.err") == "ptyshim-attach: the shim is gone but the container still runs, without it: no exit code will ever appear at $EXITFILE" ]]
	ctr_running
}
