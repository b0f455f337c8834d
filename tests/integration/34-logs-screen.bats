# ptyshim-logs --screen [-e] [--at TIME] and --replay --from TIME (issue 12,
# item 4): the screen a log drew, at its end or at a moment, and a replay
# that starts from one repaint of that screen. One real session, recorded
# once for the file by a runtime-less shim (-t, no root needed) into a
# k8s-file log and an asciicast recording at once: colours, cursor
# movement, a line wider than the terminal, a ctl resize, an alternate
# screen episode. Everything else is a synthetic log, so each case is exact.
bats_require_minimum_version 1.5.0
load lib

LOGS=${LOGS:-$ROOT/bin/ptyshim-logs}

# The session: 10x40 at first; waits for the resize to 12x50 (so the
# recording's "r" event comes before what follows), redraws line 2, then
# an alternate screen episode between two go files.
SESSION='
w=$1
printf "\033[31mred\033[0m \033[1;32mbold green\033[0m plain\n"
printf "line two\n"
printf "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
while [ "$(stty size)" != "12 50" ]; do sleep 0.02; done
printf "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\n"
printf "\033[2;1H\033[KLINE 2\033[7;1H"
while [ ! -e "$w/go1" ]; do sleep 0.02; done
printf "\033[?1049h\033[H\033[2Jalt screen text\033[5;3Hat 5,3"
while [ ! -e "$w/go2" ]; do sleep 0.02; done
printf "\033[?1049ldone\n"
'

X45=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
Y45=yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy
# What the alternate screen episode and the end wrote, as logged.
ALT_BYTES=$'\e[?1049h\e[H\e[2Jalt screen text\e[5;3Hat 5,3'
END_BYTES=$'\e[?1049ldone\r\n'

# in_log FILE TEXT: the file holds TEXT.
in_log() {
	[[ -f $1 ]] && grep -qF -- "$2" "$1"
}

setup_file() {
	local s=$BATS_FILE_TMPDIR/session cid=logs34-$$
	mkdir -p "$s/exits"
	"$ROOT/bin/ptyshim" -c "$cid" -u "$cid" -b "$s" --full-attach \
		-l "k8s-file:$s/ctr.log" -l "asciicast:$s/rec.cast" --exit-dir "$s/exits" \
		--conmon-pidfile "$s/mon.pid" --log-level warning -t --initial-size 10x40 \
		--no-runtime -- sh -c "$SESSION" sh "$s" </dev/null >"$s/sync" 2>"$s/err" 3>&-
	wait_for -m "the first lines in the log" in_log "$s/ctr.log" "$X45"
	echo "1 12 50" >"$s/ctl"
	wait_for -m "line 2 redrawn" in_log "$s/ctr.log" "LINE 2"
	touch "$s/go1"
	wait_for -m "the alternate screen" in_log "$s/ctr.log" "alt screen"
	touch "$s/go2"
	wait_for -m "the exit file" test -f "$s/exits/$cid"
	wait_for -m "the monitor to exit" pid_dead "$(cat "$s/mon.pid")"
}

teardown_file() {
	local pid
	pid=$(cat "$BATS_FILE_TMPDIR/session/mon.pid" 2>/dev/null) || return 0
	pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	return 0
}

setup() {
	[[ -x $LOGS ]] || fail "$LOGS is missing (run make)"
	S=$BATS_FILE_TMPDIR/session
	D=$BATS_TEST_TMPDIR
	# The alternate screen's record: its time in the k8s-file log, as
	# logged and as Unix seconds, and in the recording (header + offset).
	K8S_ALT=$(awk '/alt screen/ { print $1 }' "$S/ctr.log")
	local ns
	ns=$(date -u -d "$K8S_ALT" +%s%N)
	K8S_BEFORE_ALT=$(((ns - 1) / 1000000000)).$(printf '%09d' $(((ns - 1) % 1000000000)))
	CAST_HEADER_TS=$(head -1 "$S/rec.cast" | jq -r .timestamp)
}

# cast_at TEXT: the time of the recording's event holding TEXT, in Unix
# seconds, exactly (string arithmetic: no float rounding).
cast_at() {
	local t
	t=$(grep -F -- "$1" "$S/rec.cast" | sed -n 's/^\[\([0-9]*\)\.\([0-9]*\),.*/\1 \2/p')
	echo "$((CAST_HEADER_TS + ${t% *})).${t#* }"
}

# rec TS STREAM TAG CONTENT: one k8s-file record line.
rec() {
	printf '%s %s %s %s\n' "$1" "$2" "$3" "$4"
}

T1=2026-11-28T19:24:22.000000000+00:00
T2=2026-11-28T19:24:23.000000000+00:00
T3=2026-11-28T19:24:24.000000000+00:00

# ----------------------------------------------------------------- the end

@test "screen: the session's k8s-file log at its end, as text, at --size and by default at 80x24" {
	local wide=$'red bold green plain\nLINE 2\n'$X45$'\n'$Y45$'\n\n\ndone'
	run --separate-stderr "$LOGS" --screen --size 50x12 "$S/ctr.log"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "$wide" ]
	# Lines end with \n, trailing blanks and blank lines are left out.
	"$LOGS" --screen --size 50x12 "$S/ctr.log" | tail -c 5 | cmp - <(printf 'done\n')
	# No --size and no terminal on stdout: 80x24, where nothing wraps either.
	run --separate-stderr "$LOGS" --screen "$S/ctr.log"
	[ "$status" -eq 0 ]
	[ "$output" = "$wide" ]
	# At 40 columns both long lines wrap, and "done" lands below the y's.
	run --separate-stderr "$LOGS" --screen --size 40x10 "$S/ctr.log"
	[ "$status" -eq 0 ]
	[ "$output" = $'red bold green plain\nLINE 2\n'${X45:0:40}$'\nxxxxx\n'${Y45:0:40}$'\nyyyyy\ndone' ]
}

@test "screen: the recording has its own size and resize: 40 columns for the x's, 50 for the y's" {
	run --separate-stderr "$LOGS" --screen "$S/rec.cast"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = $'red bold green plain\nLINE 2\n'${X45:0:40}$'\nxxxxx\n'$Y45$'\n\ndone' ]
	# --size is the k8s-file log's: a recording refuses it.
	run --separate-stderr "$LOGS" --screen --size 80x24 "$S/rec.cast"
	[ "$status" -eq 1 ]
	[ "$stderr" = "ptyshim-logs: $S/rec.cast: --size: an asciicast recording has its own size" ]
	[ -z "$output" ]
}

@test "screen: -e gives the colours and attributes as SGR sequences, in both formats" {
	local first=$'\e[0;31mred\e[0m \e[0;1;32mbold green\e[0m plain'
	run --separate-stderr "$LOGS" --screen -e "$S/rec.cast"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$first" ]
	[ "${lines[1]}" = "LINE 2" ]
	[ "${lines[5]}" = "done" ] # bats leaves the empty line out
	run --separate-stderr "$LOGS" --screen --escapes --size 50x12 "$S/ctr.log"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$first" ]
	# Without -e: no escape at all.
	"$LOGS" --screen "$S/rec.cast" >"$D/plain"
	! grep -q $'\e' "$D/plain" || false
}

# ------------------------------------------------------------ at a moment

@test "screen --at: the alternate screen at its own record's time (inclusive), the main screen a nanosecond before" {
	local alt=$'alt screen text\n\n\n\n  at 5,3'
	local before=$'red bold green plain\nLINE 2\n'$X45$'\n'$Y45
	run --separate-stderr "$LOGS" --screen --size 50x12 --at "$K8S_ALT" "$S/ctr.log"
	[ "$status" -eq 0 ]
	[ "$output" = "$alt" ]
	run --separate-stderr "$LOGS" --screen --size 50x12 --at "$K8S_BEFORE_ALT" "$S/ctr.log"
	[ "$status" -eq 0 ]
	[ "$output" = "$before" ]
	# The recording, at the same moment by its own clock.
	run --separate-stderr "$LOGS" --screen --at "$(cast_at 'alt screen')" "$S/rec.cast"
	[ "$status" -eq 0 ]
	[ "$output" = "$alt" ]
	# -e while the alternate screen is on: its text, and no colour.
	run --separate-stderr "$LOGS" --screen -e --at "$(cast_at 'alt screen')" "$S/rec.cast"
	[ "$output" = "$alt" ]
}

@test "screen --at: before the resize the recording is 40 columns, at the first output only its lines; before anything, empty" {
	# The x's are one write, so one event (the lines before may be others).
	run --separate-stderr "$LOGS" --screen --at "$(cast_at "$X45")" "$S/rec.cast"
	[ "$status" -eq 0 ]
	[ "$output" = $'red bold green plain\nline two\n'${X45:0:40}$'\nxxxxx' ]
	# The resize itself counts at its time: the y's after it are not there yet.
	run --separate-stderr "$LOGS" --screen --at "$(cast_at '"r"')" "$S/rec.cast"
	[ "$status" -eq 0 ]
	[ "$output" = $'red bold green plain\nline two\n'${X45:0:40}$'\nxxxxx' ]
	# RFC 3339, a date and Unix seconds all work; a date long ago: nothing yet.
	run --separate-stderr "$LOGS" --screen --at 2001-01-01 "$S/ctr.log"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	run --separate-stderr "$LOGS" --screen --at 0 "$S/rec.cast"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# A duration before now: the session was recorded less than an hour ago.
	run --separate-stderr "$LOGS" --screen --size 50x12 --at 1h "$S/ctr.log"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run --separate-stderr "$LOGS" --screen --size 50x12 --at 0s "$S/ctr.log"
	[ "$status" -eq 0 ]
	[[ $output == *done ]]
}

@test "screen: stdout and stderr records both draw, and the rotated files come first" {
	{
		rec "$T1" stdout F $'\e[2J\e[Hold screen\r'
	} >"$D/ctr.log.1"
	{
		rec "$T2" stdout P "out "
		rec "$T2" stderr F $'ERR\r'
		rec "$T3" stdout P $'\e[1;1HOLD'
	} >"$D/ctr.log"
	run --separate-stderr "$LOGS" --screen "$D/ctr.log"
	[ "$status" -eq 0 ]
	[ "$output" = $'OLD screen\nout ERR' ]
	run --separate-stderr "$LOGS" --screen --at "$T2" "$D/ctr.log"
	[ "$output" = $'old screen\nout ERR' ]
}

@test "screen: the size of the terminal on stdout when there is no --size" {
	[[ -x $PTYDRIVE ]] || fail "$PTYDRIVE is missing (run make)"
	rec "$T1" stdout F "$X45" >"$D/ctr.log"
	run "$PTYDRIVE" -s 10x30 -o "$D/transcript" -e 'wait 0' -- "$LOGS" --screen "$D/ctr.log"
	[ "$status" -eq 0 ]
	# The terminal turns \n into \r\n.
	printf '%s\r\n%s\r\n' "${X45:0:30}" "${X45:30}" | cmp - "$D/transcript"
	# A terminal wider than the model allows: refused, and --size is the way out.
	run "$PTYDRIVE" -s 10x1200 -o "$D/transcript" -e 'wait 1' -- "$LOGS" --screen "$D/ctr.log"
	[ "$status" -eq 1 ]
	printf '%s\r\n' "ptyshim-logs: the terminal's size 1200x10 is over the screen model's limit (1000 rows, 1000 columns, 250000 cells): give --size COLSxROWS" |
		cmp - "$D/transcript"
}

# ------------------------------------------------------------ replay --from

# check_replay_from OUT LATER COLS ROWS: OUT is one repaint followed by
# exactly LATER; the repaint is left in $D/repaint, and what it paints on a
# terminal of that size (a model fed with it, as --screen -e prints it) in
# $D/repainted.
check_replay_from() {
	local out=$1 later=$2 cols=$3 rows=$4
	printf '%s' "$later" >"$D/later"
	local n
	n=$(stat -c %s "$D/later")
	tail -c "$n" "$out" | cmp - "$D/later"
	head -c -"$n" "$out" >"$D/repaint"
	[ -s "$D/repaint" ]
	{
		echo "{\"version\": 2, \"width\": $cols, \"height\": $rows}"
		jq -Rsc '[0, "o", .]' <"$D/repaint"
	} >"$D/repaint.cast"
	"$LOGS" --screen -e "$D/repaint.cast" >"$D/repainted"
}

@test "replay --from: one repaint of the screen before TIME, then only the records from TIME on (k8s-file log)" {
	run --separate-stderr "$LOGS" --replay --speed 1000 --size 50x12 --from "$K8S_ALT" "$S/ctr.log"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	"$LOGS" --replay --speed 1000 --size 50x12 --from "$K8S_ALT" "$S/ctr.log" >"$D/out"
	check_replay_from "$D/out" "$ALT_BYTES$END_BYTES" 50 12
	! grep -q 'alt screen\|done' "$D/repaint" || false
	"$LOGS" --screen -e --size 50x12 --at "$K8S_BEFORE_ALT" "$S/ctr.log" | cmp - "$D/repainted"
	# The repaint starts by hiding the cursor and clearing: a clean start
	# whatever the terminal showed.
	[[ $(head -c 6 "$D/repaint" | od -An -c | tr -d ' ') == '033[?25l' ]]
}

@test "replay --from: a recording's repaint is at its size after the resize, and --idle-limit still applies" {
	"$LOGS" --replay --speed 1000 --from "$(cast_at 'alt screen')" "$S/rec.cast" >"$D/out"
	check_replay_from "$D/out" "$ALT_BYTES$END_BYTES" 50 12
	! grep -q 'alt screen\|done' "$D/repaint" || false
	[ "$(cat "$D/repainted")" = $'\e[0;31mred\e[0m \e[0;1;32mbold green\e[0m plain\nLINE 2\n'${X45:0:40}$'\nxxxxx\n'$Y45 ]
	# --from after the last record: the repaint of the end, nothing else.
	"$LOGS" --replay --idle-limit 0 --from 0s "$S/rec.cast" >"$D/out"
	check_replay_from "$D/out" "" 50 12
	"$LOGS" --screen -e "$S/rec.cast" | cmp - "$D/repainted"
}

@test "replay --from: the time before TIME is not waited for; the wait after it is, scaled by --speed" {
	{
		rec "$T1" stdout F first
		rec 2026-11-28T21:24:22.000000000+00:00 stdout F second
		rec 2026-11-28T21:24:32.000000000+00:00 stdout F third
	} >"$D/ctr.log"
	# From 21:24:27: two hours skipped, then 5 s at speed 10.
	local t0=$SECONDS
	run --separate-stderr timeout 10 "$LOGS" --replay --speed 10 --from 2026-11-28T21:24:27Z "$D/ctr.log"
	[ "$status" -eq 0 ]
	[[ $output == *$'\e[?25h'third ]]
	[[ $output != *third*third* ]]
	# The timeline starts at TIME, not at the next record: 0.5 s waited.
	run --separate-stderr bash -c 'start=$(date +%s%N); "$@" >/dev/null; echo $((($(date +%s%N) - start) / 1000000))' \
		sh "$LOGS" --replay --speed 10 --from 2026-11-28T21:24:27Z "$D/ctr.log"
	[ "$output" -ge 450 ]
	# A record at TIME itself is played, not painted (TIME is where play starts).
	run --separate-stderr timeout 10 "$LOGS" --replay --from 2026-11-28T21:24:32Z "$D/ctr.log"
	[ "$status" -eq 0 ]
	[[ $output == *second*third ]]
	[[ $output == *$'\e[?25h'third ]]
	# Nothing before TIME: the repaint of an empty screen, then everything.
	run --separate-stderr timeout 10 "$LOGS" --replay --idle-limit 0 --from 2000-01-01 "$D/ctr.log"
	[ "$status" -eq 0 ]
	[[ $output == *$'\e[?25h'first$'\n'second$'\n'third ]]
}

# ------------------------------------------------------------ bad input

@test "screen: sizes over the model's limits are refused with one line, exit 1 (the tool's usage status)" {
	rec "$T1" stdout F x >"$D/ctr.log"
	local limit="is over the screen model's limit (1000 rows, 1000 columns, 250000 cells)"
	local -a cases=(
		"2000x50:--screen --size 2000x50"
		"1000x1001:--screen --size 1000x1001"
		"600x600:--screen -e --size 600x600"
		"1001x10:--replay --from 1h --size 1001x10"
	)
	local c
	for c in "${cases[@]}"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$LOGS" ${c#*:} "$D/ctr.log"
		echo "case '$c': status $status, stderr '$stderr'"
		[ "$status" -eq 1 ]
		[ "$stderr" = "ptyshim-logs: --size: ${c%%:*} $limit" ]
		[ -z "$output" ]
	done
	# The largest allowed, and an export, which has no model, are fine.
	run "$LOGS" --screen --size 1000x250 "$D/ctr.log"
	[ "$status" -eq 0 ]
	[ "$output" = x ]
	run "$LOGS" --asciicast "$D/x.cast" --size 2000x50 "$D/ctr.log"
	[ "$status" -eq 0 ]
	# A recording recorded at a size over the limits.
	printf '%s\n' '{"version": 2, "width": 2000, "height": 50}' '[0.1, "o", "x"]' >"$D/big.cast"
	run --separate-stderr "$LOGS" --screen "$D/big.cast"
	[ "$status" -eq 1 ]
	[ "$stderr" = "ptyshim-logs: $D/big.cast: size 2000x50 $limit" ]
	[ -z "$output" ]
	run --separate-stderr "$LOGS" --replay --from 1h "$D/big.cast"
	[ "$status" -eq 1 ]
	[ "$stderr" = "ptyshim-logs: $D/big.cast: size 2000x50 $limit" ]
}

@test "screen: a resize the model refuses, or that is not COLSxROWS, is a FILE:LINE warning and the size stays" {
	{
		echo '{"version": 2, "width": 10, "height": 5, "timestamp": 1795893862}'
		echo '[0.1, "o", "0123456789abc"]'
		echo '[0.2, "r", "2000x50"]'
		echo '[0.3, "r", "wide"]'
		echo '[0.4, "o", "\r\nDEFGHIJKLMNOP"]'
	} >"$D/r.cast"
	run --separate-stderr "$LOGS" --screen "$D/r.cast"
	[ "$status" -eq 0 ]
	[ "$output" = $'0123456789\nabc\nDEFGHIJKLM\nNOP' ]
	[ "${stderr_lines[0]}" = "ptyshim-logs: $D/r.cast:3: resize to 2000x50 is over the screen model's limit (1000 rows, 1000 columns, 250000 cells), ignored" ]
	[ "${stderr_lines[1]}" = "ptyshim-logs: $D/r.cast:4: bad resize event (not COLSxROWS)" ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	run --separate-stderr "$LOGS" --screen --strict "$D/r.cast"
	[ "$status" -eq 2 ]
	# Printing does not look at resizes: no warnings there, as before.
	run --separate-stderr "$LOGS" "$D/r.cast"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	# A later segment's header resizes too.
	printf '%s\n' '{"version": 2, "width": 10, "height": 5, "timestamp": 1795893862}' '[0.1, "o", "0123456789abc"]' \
		'{"version": 2, "width": 20, "height": 5, "timestamp": 1795893863}' '[0.1, "o", "\r\n0123456789abcdefghij"]' \
		>"$D/seg.cast"
	run --separate-stderr "$LOGS" --screen "$D/seg.cast"
	[ "$status" -eq 0 ]
	[ "$output" = $'0123456789\nabc\n0123456789abcdefghij' ]
}

@test "screen: a corrupt log gives the FILE:LINE warnings printing gives, and the screen of the rest" {
	{
		sed -n 1,2p "$S/ctr.log"
		echo "not a record"
		sed -n '3,$p' "$S/ctr.log"
		printf '2026-11-28T19:24:22.0+00:00 stdout F short stamp\n'
		rec "$T1" stdout P "truncated" | head -c 52
	} >"$D/ctr.log"
	run --separate-stderr "$LOGS" "$D/ctr.log"
	local printed=$stderr
	[ "${#stderr_lines[@]}" -eq 3 ]
	[[ ${stderr_lines[0]} == "ptyshim-logs: $D/ctr.log:3: "* ]]
	run --separate-stderr "$LOGS" --screen --size 50x12 "$D/ctr.log"
	[ "$status" -eq 0 ]
	[ "$stderr" = "$printed" ]
	# The truncated last record still reached the disk: it is drawn.
	[ "$output" = $'red bold green plain\nLINE 2\n'$X45$'\n'$Y45$'\n\n\ndone\ntruncat' ]
	run --separate-stderr "$LOGS" --screen --strict --size 50x12 "$D/ctr.log"
	[ "$status" -eq 2 ]
	# A corrupt recording line: the same warning as printing gives.
	{
		head -2 "$S/rec.cast"
		echo '[0.9, "o", '
		tail -n +3 "$S/rec.cast"
	} >"$D/rec.cast"
	run --separate-stderr "$LOGS" "$D/rec.cast"
	printed=$stderr
	[[ $printed == "ptyshim-logs: $D/rec.cast:3: "* ]]
	run --separate-stderr "$LOGS" --screen "$D/rec.cast"
	[ "$status" -eq 0 ]
	[ "$stderr" = "$printed" ]
	[[ $output == *done ]]
}

@test "screen: options that do not go together are one line and exit 1; --help tells" {
	rec "$T1" stdout F x >"$D/ctr.log"
	local -a cases=(
		"--screen --replay"
		"--screen --asciicast $D/x.cast"
		"--screen -f"
		"--screen --tail 3"
		"--screen -t"
		"--screen --since 1h"
		"--screen --until 1h"
		"--screen --stream stdout"
		"-e"
		"--at 1h"
		"--screen --at yesterday"
		"--from 1h"
		"--replay --from soon"
		"--size 80x24"
		"--screen --size 80"
		"--screen --size 0x24"
	)
	local c
	for c in "${cases[@]}"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$LOGS" $c "$D/ctr.log"
		echo "case '$c': status $status, stderr '$stderr'"
		[ "$status" -eq 1 ]
		[ "${#stderr_lines[@]}" -eq 1 ]
		[[ ${stderr_lines[0]} == "ptyshim-logs: "* ]]
		[ -z "$output" ]
	done
	run "$LOGS" --help
	[ "$status" -eq 0 ]
	[[ $output == *"--screen "*"-e, --escapes"*"--at TIME"*"--from TIME"*"--size COLSxROWS"* ]]
	[[ $output == *"terminal on stdout, else 80x24"* ]]
}
