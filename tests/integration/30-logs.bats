# ptyshim-logs on synthetic k8s-file logs: printing as podman logs does
# (conmon-interface.md §6.1, §6.4), filters, rotated files, corrupt input,
# bad options, and --follow across rotation and truncation. No containers:
# every log here is written by the test itself, so each case is exact.
bats_require_minimum_version 1.5.0
load lib

LOGS=${LOGS:-$ROOT/bin/ptyshim-logs}

setup() {
	common_setup
	[[ -x $LOGS ]] || fail "$LOGS is missing (run make)"
	D=$BATS_TEST_TMPDIR
	TS1=2026-11-28T19:24:22.352014613+00:00
	TS2=2026-11-28T19:24:23.000000001+01:00
}

teardown() {
	common_teardown
}

# rec TS STREAM TAG CONTENT: one record line, as conmon writes it.
rec() {
	printf '%s %s %s %s\n' "$1" "$2" "$3" "$4"
}

# ts_ago SECONDS: a conmon timestamp that many seconds before now.
ts_ago() {
	date -d "@$(($(date +%s) - $1))" +%Y-%m-%dT%H:%M:%S.%N%:z
}

# A log with everything a simple reader gets wrong: partial lines, stderr
# in between, spaces, a \r, an empty line, a trailing P.
write_basic_log() {
	{
		rec "$TS1" stdout F out1
		rec "$TS1" stdout P "par"
		rec "$TS1" stderr F err1
		rec "$TS2" stdout P "tial"
		rec "$TS2" stdout F "  spaced  "
		rec "$TS2" stdout F $'cr\r'
		rec "$TS2" stdout F ""
		rec "$TS2" stderr P "err-trailing"
		rec "$TS2" stdout P "trailing"
	} >"$D/ctr.log"
}

@test "logs: F records end lines, P records do not, stdout and stderr apart" {
	write_basic_log
	"$LOGS" "$D/ctr.log" >"$D/out" 2>"$D/err"
	printf 'out1\npartial  spaced  \ncr\r\n\ntrailing' | cmp - "$D/out"
	printf 'err1\nerr-trailing' | cmp - "$D/err"
}

@test "logs: -t starts each line with its first record's timestamp" {
	write_basic_log
	run --separate-stderr "$LOGS" -t --stream stdout "$D/ctr.log"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$TS1 out1" ]
	[ "${lines[1]}" = "$TS1 partial  spaced  " ]
	[ "${lines[2]}" = "$TS2 cr"$'\r' ]
	[ "${lines[3]}" = "$TS2 " ]
	[ "${lines[4]}" = "$TS2 trailing" ]
	[ "${#lines[@]}" -eq 5 ]
}

@test "logs: --tail N counts lines with their P records joined; a trailing P is a line" {
	write_basic_log
	run --separate-stderr "$LOGS" --tail 3 --stream stdout "$D/ctr.log"
	[ "$status" -eq 0 ]
	[ "$output" = $'cr\r\n\ntrailing' ]
	run --separate-stderr "$LOGS" --tail 4 --stream stdout "$D/ctr.log"
	[ "$output" = $'partial  spaced  \ncr\r\n\ntrailing' ]
	run --separate-stderr "$LOGS" --tail 0 "$D/ctr.log"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	# Both streams count; stderr lines go to stderr.
	run --separate-stderr "$LOGS" --tail 2 "$D/ctr.log"
	[ "$output" = trailing ]
	[ "$stderr" = err-trailing ]
	run --separate-stderr "$LOGS" --tail 1000 -t "$D/ctr.log"
	[ "${lines[1]}" = "$TS1 partial  spaced  " ]
}

@test "logs: --stream selects stdout or stderr" {
	write_basic_log
	run --separate-stderr "$LOGS" --stream stderr "$D/ctr.log"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$stderr" = $'err1\nerr-trailing' ]
}

@test "logs: --since and --until, absolute and relative" {
	{
		rec "$(ts_ago 7200)" stdout F two-hours-ago
		rec "$(ts_ago 1800)" stdout F half-an-hour-ago
		rec "$(ts_ago 5)" stdout F just-now
	} >"$D/ctr.log"
	run "$LOGS" --since 1h "$D/ctr.log"
	[ "$output" = $'half-an-hour-ago\njust-now' ]
	run "$LOGS" --since 10m "$D/ctr.log"
	[ "$output" = just-now ]
	run "$LOGS" --until 1h "$D/ctr.log"
	[ "$output" = two-hours-ago ]
	run "$LOGS" --since 3h --until 30s "$D/ctr.log"
	[ "$output" = $'two-hours-ago\nhalf-an-hour-ago' ]
	rec "$TS1" stdout F a >"$D/abs.log"
	rec "$TS2" stdout F b >>"$D/abs.log"
	# TS2 is 19:24:23+01:00, i.e. an hour before TS1.
	run "$LOGS" --since 2026-11-28T19:00:00Z "$D/abs.log"
	[ "$output" = a ]
	run "$LOGS" --until 2026-11-28T19:00:00+00:00 "$D/abs.log"
	[ "$output" = b ]
	run "$LOGS" --since "$TS1" "$D/abs.log"
	[ "$output" = a ]
	run "$LOGS" --since 1795893862 "$D/abs.log"
	[ "$output" = a ]
}

@test "logs: rotated files are printed oldest first: PATH.3 PATH.2 PATH.1 PATH" {
	for i in 3 2 1; do
		rec "$TS1" stdout F "from .$i" >"$D/ctr.log.$i"
	done
	rec "$TS1" stdout P "P at the end of .1 continues " >>"$D/ctr.log.1"
	rec "$TS1" stdout F "from PATH" >"$D/ctr.log"
	# A gap in the numbering ends the chain: .5 is not part of it.
	rec "$TS1" stdout F "stale" >"$D/ctr.log.5"
	run "$LOGS" "$D/ctr.log"
	[ "$status" -eq 0 ]
	[ "$output" = $'from .3\nfrom .2\nfrom .1\nP at the end of .1 continues from PATH' ]
}

@test "logs: corrupt records are reported as FILE:LINE and skipped, the rest printed, exit 0" {
	{
		rec "$TS1" stdout F good1
		echo "not a record"
		rec 2026-11-28T19:24:22.35201461+00:00 stdout F eight-digits
		rec "$TS1" stdin F bad-stream
		rec "$TS1" stdout X bad-tag
		printf '%s stdout F\n' "$TS1"
		echo
		rec "$TS1" stderr F good2
	} >"$D/bad.log"
	run --separate-stderr "$LOGS" "$D/bad.log"
	[ "$status" -eq 0 ]
	[ "$output" = good1 ]
	[ "${stderr_lines[0]}" = "ptyshim-logs: $D/bad.log:2: bad timestamp" ]
	[ "${stderr_lines[1]}" = "ptyshim-logs: $D/bad.log:3: bad timestamp" ]
	[ "${stderr_lines[2]}" = "ptyshim-logs: $D/bad.log:4: bad stream (not stdout or stderr)" ]
	[ "${stderr_lines[3]}" = "ptyshim-logs: $D/bad.log:5: bad tag (not F or P)" ]
	[ "${stderr_lines[4]}" = "ptyshim-logs: $D/bad.log:6: missing content separator" ]
	[ "${stderr_lines[5]}" = "ptyshim-logs: $D/bad.log:7: empty line" ]
	[ "${stderr_lines[6]}" = good2 ]
	[ "${#stderr_lines[@]}" -eq 7 ]
	run --separate-stderr "$LOGS" --strict "$D/bad.log"
	[ "$status" -eq 2 ]
	[ "$output" = good1 ]
}

@test "logs: a record cut short at the end of the file is reported and still printed" {
	rec "$TS1" stdout F whole >"$D/ctr.log"
	printf '%s stdout F cut sho' "$TS1" >>"$D/ctr.log"
	run --separate-stderr "$LOGS" "$D/ctr.log"
	[ "$status" -eq 0 ]
	[ "$output" = $'whole\ncut sho' ]
	[ "$stderr" = "ptyshim-logs: $D/ctr.log:2: record cut short at end of file (no newline)" ]
	# A header cut short cannot be printed.
	printf '%s\n2026-11-28T19:2' "$(rec "$TS1" stdout F whole)" >"$D/ctr.log"
	run --separate-stderr "$LOGS" "$D/ctr.log"
	[ "$status" -eq 0 ]
	[ "$output" = whole ]
	[[ $stderr == *"ctr.log:2: unterminated last line"* ]]
}

@test "logs: garbage and overlong lines: bounded warnings, no crash, good records still printed" {
	head -c 3000000 /dev/urandom >"$D/junk.log"
	run --separate-stderr "$LOGS" "$D/junk.log"
	[ "$status" -eq 0 ]
	# At most MAX_WARNINGS lines, one "suppressed" and one total.
	[ "${#stderr_lines[@]}" -le 102 ]
	[[ ${stderr_lines[0]} == "ptyshim-logs: $D/junk.log:1: "* ]]
	{
		rec "$TS1" stdout F before
		head -c 2000000 /dev/zero | tr '\0' 'x'
		echo
		rec "$TS1" stdout F after
	} >"$D/long.log"
	run --separate-stderr "$LOGS" "$D/long.log"
	[ "$status" -eq 0 ]
	[ "$output" = $'before\nafter' ]
	[ "$stderr" = "ptyshim-logs: $D/long.log:2: line too long, skipped" ]
}

@test "logs: bad usage gives one line on stderr and exit 1" {
	rec "$TS1" stdout F x >"$D/ctr.log"
	local -a cases=(
		"$D/missing.log"
		"--since yesterday $D/ctr.log"
		"--until 10x $D/ctr.log"
		"--tail -5 $D/ctr.log"
		"--tail many $D/ctr.log"
		"--stream stdin $D/ctr.log"
		"--no-such-flag $D/ctr.log"
		"--speed 2 $D/ctr.log"
		"--replay --speed 0 $D/ctr.log"
		"--replay --idle-limit -1 $D/ctr.log"
		"--asciicast $D/x.cast --size 80 $D/ctr.log"
		"--exit-dir $D $D/ctr.log"
		"-f --replay $D/ctr.log"
		"-f --exit-dir $D/nowhere $D/ctr.log"
		"$D"
		""
		"$D/ctr.log $D/ctr.log"
	)
	local c
	for c in "${cases[@]}"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$LOGS" $c
		echo "case '$c': status $status, stderr '$stderr'"
		[ "$status" -eq 1 ]
		[ "${#stderr_lines[@]}" -eq 1 ]
		[[ ${stderr_lines[0]} == "ptyshim-logs: "* ]]
		[ -z "$output" ]
	done
	run "$LOGS" --help
	[ "$status" -eq 0 ]
	[[ $output == *--follow* ]]
}

# follow_start ARGS...: ptyshim-logs -f in the background; FPID, output in
# $D/fout and $D/ferr.
follow_start() {
	"$LOGS" -f "$@" >"$D/fout" 2>"$D/ferr" &
	FPID=$!
}

# follow_end: wait for the follower to exit by itself; FRC is its status.
follow_end() {
	wait_for -m "ptyshim-logs -f to exit" pid_dead "$FPID"
	FRC=0
	wait "$FPID" || FRC=$?
}

fout_has() {
	grep -qxF -- "$1" "$D/fout"
}

@test "logs -f: prints records written after it started and ends when the exit file appears" {
	rec "$TS1" stdout F old >"$D/ctr.log"
	follow_start --exit-file "$D/exit" "$D/ctr.log"
	wait_for fout_has old
	rec "$TS1" stdout F new1 >>"$D/ctr.log"
	wait_for fout_has new1
	# A record written in two pieces is printed once it is whole.
	printf '%s stdout F ha' "$TS1" >>"$D/ctr.log"
	printf 'lf\n' >>"$D/ctr.log"
	wait_for fout_has half
	pid_alive "$FPID"
	rec "$TS1" stdout F last >>"$D/ctr.log"
	echo 0 >"$D/exit"
	follow_end
	[ "$FRC" -eq 0 ]
	[ "$(cat "$D/fout")" = $'old\nnew1\nhalf\nlast' ]
	[ ! -s "$D/ferr" ]
}

@test "logs -f: an exit file that already exists means read to the end and stop" {
	rec "$TS1" stdout F only >"$D/ctr.log"
	mkdir "$D/exits"
	echo 0 >"$D/exits/ctr1"
	run "$LOGS" -f --exit-dir "$D/exits" --cid ctr1 "$D/ctr.log"
	[ "$status" -eq 0 ]
	[ "$output" = only ]
	# Without --cid the id is the log's directory name.
	mkdir -p "$D/ctr2"
	rec "$TS1" stdout F two >"$D/ctr2/ctr.log"
	echo 0 >"$D/exits/ctr2"
	run "$LOGS" -f --exit-dir "$D/exits" "$D/ctr2/ctr.log"
	[ "$status" -eq 0 ]
	[ "$output" = two ]
	# Without any option: a file "exit" beside the log (ptyshim --persist-dir).
	echo 0 >"$D/ctr2/exit"
	run "$LOGS" -f "$D/ctr2/ctr.log"
	[ "$status" -eq 0 ]
	[ "$output" = two ]
}

@test "logs -f: follows the file across rename rotation, rename-over truncation and in-place truncation" {
	local log=$D/ctr.log
	rec "$TS1" stdout F a >"$log"
	follow_start --tail 1 --exit-file "$D/exit" "$log"
	wait_for fout_has a
	# Rotation as the shim does it: PATH.1 -> PATH.2, PATH -> PATH.1, new PATH.
	rec "$TS1" stdout F b >>"$log"
	mv "$log" "$log.1"
	rec "$TS1" stdout F c >>"$log.1"
	rec "$TS1" stdout F d >"$log"
	wait_for fout_has d
	mv "$log.1" "$log.2"
	mv "$log" "$log.1"
	rec "$TS1" stdout F e >"$log"
	wait_for fout_has e
	# conmon 2.1.6's --log-size-max: a new empty file renamed over PATH.
	rec "$TS1" stdout F f >"$log.tmp"
	mv "$log.tmp" "$log"
	wait_for fout_has f
	# copytruncate-style: the same file emptied. Like every tail, the reader
	# can only tell by the size shrinking, so let it see the empty file
	# before the next record (one as long as the last) arrives.
	: >"$log"
	wait_for grep -q "truncated; reading it again" "$D/ferr"
	rec "$TS1" stdout F g >>"$log"
	wait_for fout_has g
	# Deleted and created again.
	rm "$log"
	rec "$TS1" stdout F h >"$log"
	wait_for fout_has h
	touch "$D/exit"
	follow_end
	[ "$FRC" -eq 0 ]
	[ "$(cat "$D/fout")" = $'a\nb\nc\nd\ne\nf\ng\nh' ]
}

@test "logs -f: stops (exit 0) when the log's directory is removed" {
	mkdir "$D/gone"
	rec "$TS1" stdout F x >"$D/gone/ctr.log"
	follow_start --exit-file "$D/exit" "$D/gone/ctr.log"
	wait_for fout_has x
	rm -rf "$D/gone"
	follow_end
	[ "$FRC" -eq 0 ]
	grep -q "directory was removed" "$D/ferr"
}

@test "logs: an empty log prints nothing and succeeds" {
	: >"$D/empty.log"
	run --separate-stderr "$LOGS" "$D/empty.log"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
}

@test "logs -f --pidfile: ends when the shim's process is gone (or was never there)" {
	rec "$TS1" stdout F x >"$D/ctr.log"
	sleep 1000 &
	local spid=$!
	echo "$spid" >"$D/shim.pid"
	follow_start --pidfile "$D/shim.pid" "$D/ctr.log"
	wait_for fout_has x
	rec "$TS1" stdout F y >>"$D/ctr.log"
	wait_for fout_has y
	pid_alive "$FPID"
	kill "$spid"
	wait "$spid" || true
	follow_end
	[ "$FRC" -eq 0 ]
	[ "$(cat "$D/fout")" = $'x\ny' ]
	# A dead pid, a missing pid file, a pid that is not this container's
	# shim: nothing runs, so print what is there and stop.
	run "$LOGS" -f --pidfile "$D/shim.pid" "$D/ctr.log"
	[ "$status" -eq 0 ]
	[ "$output" = $'x\ny' ]
	run "$LOGS" -f --pidfile "$D/nothing.pid" "$D/ctr.log"
	[ "$status" -eq 0 ]
	[ "$output" = $'x\ny' ]
	echo $$ >"$D/self.pid"
	run "$LOGS" -f --pidfile "$D/self.pid" --cid no-such-container-id "$D/ctr.log"
	[ "$status" -eq 0 ]
	echo garbage >"$D/bad.pid"
	run --separate-stderr "$LOGS" -f --pidfile "$D/bad.pid" "$D/ctr.log"
	[ "$status" -eq 1 ]
	[ "$stderr" = "ptyshim-logs: $D/bad.pid: not a pid file" ]
}
