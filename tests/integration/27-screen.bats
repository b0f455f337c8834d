# The screen model of a terminal container (issue 12), on real runc
# containers: a new attach client starts from the current screen (one
# repaint, then live output), a slow terminal client is repainted instead of
# cut off, and the screen socket answers text/ansi/repaint/size. ptyshim only
# (conmon has no screen model).
#
# Screens are compared as text: the shim's own (the screen socket's "text",
# like `tmux capture-pane -p`) against what a real terminal shows, which is
# tmux here: ptyshim-attach runs in a detached tmux session, or a raw client's
# transcript is shown in one (render). Ordering never relies on sleeps: a
# client's expected text, a file the container creates, the screen socket's
# answer or tmux's pane title prove each step.
bats_require_minimum_version 1.5.0
load lib
load lib-fault

setup() {
	fault_setup
	is_ptyshim || skip "the screen model is ptyshim's"
	ATTACH=${ATTACH:-$ROOT/bin/ptyshim-attach}
	[[ -x $ATTACH ]] || fail "$ATTACH is missing (run make)"
	command -v tmux >/dev/null || skip "needs tmux"
	command -v socat >/dev/null || skip "needs socat"
	T=$BATS_TEST_TMPDIR
	TMUX_SOCK=$T/tmux.sock
}

teardown() {
	tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || true
	fault_teardown
}

# tm ARGS...: this test's own tmux server (no user configuration).
tm() {
	tmux -S "$TMUX_SOCK" -f /dev/null "$@"
}

# screen_ask KIND: the screen socket's answer (text, ansi, repaint, size).
# From the bundle, so that the path is short whatever BATS_TEST_TMPDIR is.
screen_ask() {
	(cd "$B" && printf '%s\n' "$1" | socat -t 30 - UNIX-CONNECT:screen)
}

# normalize: screen text as the screen socket gives it: no trailing blanks,
# no blank lines at the end.
normalize() {
	sed 's/[[:space:]]*$//' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}

# pane NAME: what tmux shows in session NAME, normalized.
pane() {
	tm capture-pane -p -t "$1" | normalize
}

pane_has() { pane "$1" | grep -qF -- "$2"; }
pane_is_screen() { [[ $(pane "$1") == "$(screen_ask text)" ]]; }
session_gone() { ! tm has-session -t "$1" 2>/dev/null; }
size_is() { [[ $(screen_ask size) == "$1" ]]; }
screen_has() { screen_ask text | grep -qF -- "$1"; }

# render ROWS COLS FILE: FILE's bytes as a ROWSxCOLS terminal (tmux) shows
# them, as text. A title set after the bytes proves tmux has parsed them all.
render() {
	local rows=$1 cols=$2 file=$3 name=render$RANDOM
	tm new-session -d -s "$name" -x "$cols" -y "$rows" \
		"stty -opost -echo; cat '$file'; printf '\\033]2;$name-done\\007'; exec sleep 1000"
	wait_for -m "tmux showed $file" title_is "$name" "$name-done"
	pane "$name"
	tm kill-session -t "$name"
}
title_is() { [[ $(tm display-message -p -t "$1" '#{pane_title}') == "$2" ]]; }

# peer ARGS...: attachpeer on this container's attach socket, capped.
peer() {
	"$ATTACHPEER" -t 60 "$@"
}

# ctr_tty_run [SHIM_ARG...] -- CMD...: a -t container with extra shim options, started.
ctr_tty_run() {
	local extra=()
	while [[ $# -gt 0 && $1 != -- ]]; do
		extra+=("$1")
		shift
	done
	ctr_new --tty "$@" || return 1
	SHIM_ARGS+=("${extra[@]}")
	shim_create
	check_created || return 1
	ctr_start
}

@test "screen: vi's screen shows on a re-attach at the same size, without a keypress" {
	ctr_tty_run -- sh -c 'printf "alpha\nbeta\ngamma-end\n" >/tmp/f; exec sh'
	tm new-session -d -s a1 -x 80 -y 24 "$ATTACH $B"
	tm send-keys -t a1 'vi /tmp/f' Enter
	wait_for -m "vi open in the first client" pane_has a1 gamma-end
	wait_for -m "the screen model shows vi" screen_has gamma-end
	tm send-keys -t a1 C-p C-q
	wait_for -m "the first client detached" session_gone a1
	# Nothing is typed now, and the size is the same (no SIGWINCH): only
	# the shim's repaint can put vi's screen on the new client.
	tm new-session -d -s a2 -x 80 -y 24 "$ATTACH $B"
	wait_for -m "the second client shows the screen" pane_is_screen a2
	pane a2 | grep -qx 'gamma-end'
	pane a2 | grep -qx '~'
	# vi is still there and answers: it quits, the shell prompts.
	tm send-keys -t a2 ':q!' Enter
	wait_for -m "vi quit" eval '[[ $(pane a2 | tail -n 1) == "/ #" ]]'
}

@test "screen: a re-attach shows earlier output; a raw client gets the repaint, then live output once" {
	ctr_tty_run -- sh
	peer "$B/attach" steps "send:printf 'li''ne-%s\\\\n' one two three\\r" 'expect:line-three\r\n/ # '
	wait_for -m "the prompt after the lines" screen_has "line-three"
	wait_for -m "the prompt after the lines" eval '[[ $(screen_ask text | tail -n 1) == "/ #" ]]'
	local paint=$T/paint
	screen_ask repaint >"$paint"
	# The idle screen's repaint has the lines and the prompt.
	render 24 80 "$paint" >"$T/paint.txt"
	[[ $(cat "$T/paint.txt") == "$(screen_ask text)" ]]
	grep -qx line-two "$T/paint.txt"
	# A new client: first exactly that repaint, then what is printed after.
	peer -w "$T/c2.out" "$B/attach" steps 'send:echo MA""RK-$((6*7))\r' 'expect:MARK-42\r\n/ # '
	cmp -n "$(stat -c %s "$paint")" "$paint" "$T/c2.out"
	[[ $(grep -c 'MARK-42' "$T/c2.out") == 1 ]]
	[[ $(tail -c +$(($(stat -c %s "$paint") + 1)) "$T/c2.out" | tr -d '\r') == $'echo MA""RK-$((6*7))\nMARK-42\n/ # '* ]]
	# What the client's terminal shows is the shim's screen.
	[[ $(render 24 80 "$T/c2.out") == "$(screen_ask text)" ]]
}

@test "screen: attaching while output flows loses and doubles nothing at the repaint's edge" {
	ctr_tty_run -- sh -c 'i=0; while [ $i -lt 20000 ]; do echo "n $i"; i=$((i+1)); sleep 0.005; done'
	wait_for -m "output flowing" log_has "$LOGFILE" stdout F $'n 40\r'
	# The repaint holds the last lines (no newlines in it: it addresses rows),
	# then ten live lines follow; the screen must count on without a gap.
	local steps=() i
	for ((i = 0; i < 10; i++)); do steps+=('expect:\n'); done
	peer -w "$T/live.out" "$B/attach" steps "${steps[@]}"
	render 24 80 "$T/live.out" >"$T/live.txt"
	cat "$T/live.txt"
	(($(grep -c '^n [0-9]*$' "$T/live.txt") >= 23))
	awk 'NF == 0 { next } $1 != "n" { bad = 1 } prev != "" && $2 != prev + 1 { bad = 1 } { prev = $2 }
		END { exit bad }' "$T/live.txt"
}

@test "screen: a 100 MB flood and a client reading 200 KB/s: it stays attached, its screen is right, the log is exact" {
	ctr_tty_run -- sh -c 'while [ ! -e /share/go ]; do sleep 0.02; done
		head -c 100000000 /dev/zero | tr "\0" x; echo; echo FLOOD-END; exec sh'
	local base
	base=$(mon_sockets "$MON_PID")
	peer_bg slow -t 300 -r 200000 -w "$T/slow.out" "$B/attach" steps \
		'expect:FLOOD-END' 'send:echo af""ter-$((6*7))\r' 'expect:after-42\r\n/ # '
	wait_for -m "the slow client is connected" sockets_ge "$MON_PID" $((base + 1))
	touch "$B/share/go"
	wait "$PEER_PID" || fail "slow client: $(cat "$B/slow.err")"
	# It fell behind and was repainted (CAN starts each repaint after a drop),
	# and read far less than the flood.
	local size cans
	size=$(stat -c %s "$T/slow.out")
	cans=$(tr -cd '\030' <"$T/slow.out" | wc -c)
	echo "# slow client read $size bytes, $cans repaints after a drop" >&3
	((cans >= 1 && size < 20000000))
	# Its final screen is the shim's: the end of the flood, the new shell's
	# banner, the command and its output (the rows of x above: see the next test).
	render 24 80 "$T/slow.out" >"$T/slow.txt"
	cat "$T/slow.txt"
	[[ $(cat "$T/slow.txt") == "$(screen_ask text)" ]]
	grep -qx FLOOD-END "$T/slow.txt"
	[[ $(tail -n 3 "$T/slow.txt") == '/ # echo af""ter-$((6*7))'$'\n'after-42$'\n''/ #' ]]
	# The log has every byte of the flood: its records of x's (the last one
	# ends the line: "\r") hold exactly 100000000 ("BusyBox" has one more).
	check_log_format "$LOGFILE"
	local xs
	xs=$(log_content "$LOGFILE" | LC_ALL=C awk '/^x+\r?$/ { n += gsub(/x/, "") } END { print n + 0 }')
	[[ $xs == 100000000 ]] || fail "the log holds $xs x's, not 100000000"
	log_has "$LOGFILE" stdout F $'FLOOD-END\r'
	pid_alive "$MON_PID"
}

# A flood of one long line overflows the model's backlog with no line start
# in what it keeps: the start-over puts the cursor in the column the first
# kept byte was written to, so the screen shows the flood's last rows, whole.
@test "screen: after a flood of one long line the model still shows its last rows" {
	ctr_tty_run -- sh -c 'head -c 20000000 /dev/zero | tr "\0" x; echo; echo LONG-END; exec sh'
	wait_for -m "the end of the flood on the screen" screen_has LONG-END
	screen_ask text >"$T/long.txt"
	cat "$T/long.txt"
	# 20000000 is a multiple of 80: every row above LONG-END is a full row
	# of x, and they fill the screen down to the shell's banner and prompt.
	local above full rows
	above=$(($(grep -n -m1 '^LONG-END$' "$T/long.txt" | cut -d: -f1) - 1))
	full=$(grep -c "^$(printf 'x%.0s' {1..80})\$" "$T/long.txt")
	rows=$(screen_ask size | cut -d' ' -f1)
	echo "above=$above full=$full rows=$rows lines=$(wc -l <"$T/long.txt")"
	[[ $above -ge 10 && $full == "$above" ]]
	[[ $(sed -n "1,${above}p" "$T/long.txt" | grep -vc "^$(printf 'x%.0s' {1..80})\$") == 0 ]]
	[[ $(wc -l <"$T/long.txt") == "$rows" ]]
}

@test "screen: colours and the alternate screen survive a re-attach" {
	ctr_tty_run -- sh
	peer "$B/attach" steps \
		"send:printf '\\\\033[?1049h\\\\033[31mR''ED\\\\033[0m \\\\033[1;44mBL''UE\\\\033[0m\\\\n'; echo IN-''ALT\\r" \
		'expect:IN-ALT\r\n/ # '
	wait_for -m "the alternate screen in the model" screen_has IN-ALT
	peer -w "$T/re.out" "$B/attach" expect '?25h'
	local out
	out=$(cat "$T/re.out")
	[[ $out == *$'\e[?1049h'* ]] || fail "no ?1049h in the repaint: $(cat -v "$T/re.out")"
	grep -qE $'\e\\[[0-9;]*31mRED' "$T/re.out" || fail "RED lost its colour: $(cat -v "$T/re.out")"
	grep -qE $'\e\\[([0-9;]*;)?1;([0-9;]*;)?44mBLUE' "$T/re.out" ||
		fail "BLUE lost its colours: $(cat -v "$T/re.out")"
	# The screen socket says the same.
	screen_ask ansi >"$T/ansi"
	cat -v "$T/ansi"
	grep -qE $'\e\\[[0-9;]*31mRED' "$T/ansi"
	grep -qE $'\e\\[[0-9;]*44mBLUE' "$T/ansi"
	# Leaving the alternate screen brings the shell's screen back.
	peer "$B/attach" steps "send:printf '\\\\033[?1049l'; echo OU''T\\r" 'expect:OUT\r\n/ # '
	wait_for -m "the primary screen again" screen_has OUT
	screen_ask text
	! screen_has IN-ALT || false
	# The re-attached terminal's view, alternate screen and all, was the shim's.
	! grep -q $'\e\\[?1049h' < <(screen_ask repaint) || false
}

@test "screen: a resize while nobody is attached reaches the model, its repaint and the container" {
	ctr_tty_run -- sh -c 'seq 1 40; exec sh'
	wait_for -m "the first screen" screen_has 40
	[[ $(screen_ask size) == "24 80" ]]
	echo "1 30 100" >"$B/ctl"
	wait_for -m "the model resized" size_is "30 100"
	peer "$B/attach" steps "send:stty size; printf '%0100d\\\\n' 0\\r" 'expect:30 100\r\n' 'expect:0\r\n/ # '
	wait_for -m "the wide line" eval 'screen_ask text | grep -qx "$(printf "0%.0s" {1..100})"'
	screen_ask repaint >"$T/paint"
	[[ $(render 30 100 "$T/paint") == "$(screen_ask text)" ]]
}

@test "screen: absurd sizes: one warning, no crash, bounded memory, attach still works" {
	syslog_capture_start
	[[ -n $SYSLOG_FILE ]] && SHIM_ARGS_EXTRA=(--syslog) || SHIM_ARGS_EXTRA=()
	ctr_tty_run "${SHIM_ARGS_EXTRA[@]}" -- sh
	wait_for -m "the shell's prompt" screen_has '#'
	local rss0 rss1
	rss0=$(mon_rss_kb "$MON_PID")
	echo "1 65535 65535" >"$B/ctl"
	echo "1 65535 65535" >"$B/ctl"
	echo "1 65535 65535" >"$B/ctl"
	# The PTY has it (busybox's stty clamps what it shows: ask from the
	# host), the model keeps its size.
	wait_for -m "the PTY resized" eval '[[ $(stty -F "/proc/$CTR_PID/root$(readlink "/proc/$CTR_PID/fd/0")" size) == "65535 65535" ]]'
	peer "$B/attach" steps 'send:echo big-""one\r' 'expect:big-one\r\n/ # '
	[[ $(screen_ask size) == "24 80" ]]
	rss1=$(mon_rss_kb "$MON_PID")
	echo "# shim RSS $rss0 kB before, $rss1 kB after 65535x65535" >&3
	((rss1 - rss0 < 4096))
	# A later good size is taken: every line before it was handled.
	echo "1 25 81" >"$B/ctl"
	wait_for -m "25x81 taken" size_is "25 81"
	peer "$B/attach" steps 'send:echo st""ill-here\r' 'expect:still-here\r\n/ # '
	if [[ -n $SYSLOG_FILE ]]; then
		wait_for -m "the warning in syslog" grep -q 'screen model: 65535x65535' "$SYSLOG_FILE"
		cat "$SYSLOG_FILE"
		[[ $(grep -c 'screen model: 65535x65535' "$SYSLOG_FILE") == 1 ]]
	else
		echo "# syslog not captured (/dev/log is taken or socat missing): the warning is not checked" >&3
	fi
	pid_alive "$MON_PID"
	peer "$B/attach" send 'exit 7\r' >/dev/null
	wait_exit
	[[ $EXIT_CODE == 7 ]]
}

# The container: a WINCH trap, "ready", then it answers /share/check with
# CHECKED; a SIGWINCH sent at attach time runs the trap before that answer.
WINCH_CTR='trap "echo GOT-WINCH" WINCH; echo ready
	while :; do sleep 0.05; if [ -e /share/check ]; then rm /share/check; echo CHECKED; fi; done'

@test "screen: --no-screen: no screen socket, raw bytes only, and the SIGWINCH nudge on attach" {
	ctr_tty_run --no-screen -- sh -c "$WINCH_CTR"
	wait_for -m "ready" log_has "$LOGFILE" stdout F $'ready\r'
	[[ ! -e $B/screen ]]
	peer -w "$T/raw.out" "$B/attach" expect 'GOT-WINCH'
	# No repaint before it: the client got what the container printed since.
	[[ $(cat -v "$T/raw.out") == 'GOT-WINCH^M' ]]
}

@test "screen: with the model on, an attach gets a repaint and no SIGWINCH" {
	ctr_tty_run -- sh -c "$WINCH_CTR"
	wait_for -m "ready" log_has "$LOGFILE" stdout F $'ready\r'
	[[ -S $B/screen ]]
	peer_bg w -t 60 -w "$T/w.out" "$B/attach" steps 'expect:ready' 'expect:CHECKED'
	# The repaint (which shows "ready") has reached the client: it is attached.
	wait_for -m "the client's repaint" grep -q ready "$T/w.out"
	[[ $(head -c 6 "$T/w.out" | cat -v) == '^[[?25l' ]]
	touch "$B/share/check"
	wait "$PEER_PID" || fail "client: $(cat "$B/w.err")"
	! grep -q GOT-WINCH "$T/w.out" || fail "the attach sent SIGWINCH: $(cat -v "$T/w.out")"
}
