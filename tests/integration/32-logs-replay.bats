# ptyshim-logs --replay at the keyboard: on a terminal (a PTY driven by
# ptydrive), space pauses and resumes, q quits, and the terminal is given
# back in its original mode however replay ends. Synthetic logs with long
# gaps make every check an ordering, never a stopwatch: what must not
# happen would only happen seconds later.
bats_require_minimum_version 1.5.0
load lib

LOGS=${LOGS:-$ROOT/bin/ptyshim-logs}

setup() {
	common_setup
	[[ -x $LOGS ]] || fail "$LOGS is missing (run make)"
	[[ -x $PTYDRIVE ]] || fail "$PTYDRIVE is missing (run make)"
	D=$BATS_TEST_TMPDIR
}

teardown() {
	common_teardown
}

# write_log FILE OFFSET:TEXT...: records at the given seconds after a base time.
write_log() {
	local file=$1 item base=1795893862
	shift
	: >"$file"
	for item in "$@"; do
		printf '%s stdout F %s\r\n' \
			"$(TZ=UTC date -d "@$((base + ${item%%:*}))" +%Y-%m-%dT%H:%M:%S.000000000+00:00)" \
			"${item#*:}" >>"$file"
	done
}

@test "replay: q quits at once and the terminal is back in canonical mode with echo" {
	write_log "$D/ctr.log" 0:first 100:never
	run "$PTYDRIVE" -t 20 -o "$D/transcript" \
		-e 'expect first' -e 'send q' -e 'expect rc=0' -e 'expect_re [^-]icanon' -e 'wait 0' \
		-- sh -c '"$1" --replay "$2"; echo "rc=$?"; stty -a' sh "$LOGS" "$D/ctr.log"
	echo "$output"
	[ "$status" -eq 0 ]
	! grep -q never "$D/transcript" || false
	grep -q ' echo ' "$D/transcript"
}

@test "replay: space pauses (the next record waits) and space resumes" {
	write_log "$D/ctr.log" 0:first 2:second 3:third
	# Paused right after the first record, for longer than the 2 s gap,
	# then quit: the second record must never have been printed.
	run "$PTYDRIVE" -t 20 -o "$D/paused" \
		-e 'expect first' -e 'send \x20' -e 'sleep 3500' -e 'send q' -e 'wait 0' \
		-- "$LOGS" --replay "$D/ctr.log"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q first "$D/paused"
	! grep -q second "$D/paused" || false
	# Pause and resume: everything comes, in order.
	run "$PTYDRIVE" -t 20 -o "$D/resumed" \
		-e 'expect first' -e 'send \x20' -e 'sleep 300' -e 'send \x20' \
		-e 'expect second' -e 'expect third' -e 'wait 0' \
		-- "$LOGS" --replay "$D/ctr.log"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "replay: interrupted by ^C, the terminal is restored before it dies" {
	write_log "$D/ctr.log" 0:first 100:never
	run "$PTYDRIVE" -t 20 -o "$D/transcript" \
		-e 'expect first' -e 'send \x03' -e 'expect rc=130' -e 'expect_re [^-]icanon' -e 'wait 0' \
		-- sh -c 'trap "echo got-int" INT; "$1" --replay "$2"; echo "rc=$?"; stty -a' sh "$LOGS" "$D/ctr.log"
	echo "$output"
	[ "$status" -eq 0 ]
	! grep -q never "$D/transcript" || false
}

@test "replay: an asciicast recording with its own idle_time_limit, and concatenated segments" {
	{
		echo '{"version": 2, "width": 80, "height": 24, "timestamp": 1795893862, "idle_time_limit": 0.5}'
		echo '[0.1, "o", "one "]'
		echo '[0.2, "r", "100x30"]'
		echo '[30.0, "o", "two "]'
		echo '{"version": 2, "width": 80, "height": 24, "timestamp": 1795900000}'
		echo '[0.5, "o", "three"]'
	} >"$D/rec.cast"
	local t0 t1
	t0=$(date +%s%N)
	run --separate-stderr "$LOGS" --replay "$D/rec.cast"
	t1=$(date +%s%N)
	[ "$status" -eq 0 ]
	[ "$output" = "one two three" ]
	# Two pauses capped at 0.5 s each instead of 30 s and two hours.
	(((t1 - t0) / 1000000 < 10000))
	# Printing (no --replay) writes the output at once.
	run --separate-stderr "$LOGS" "$D/rec.cast"
	[ "$output" = "one two three" ]
}

@test "replay: ^Z gives the terminal back while stopped, fg takes it again (job control shell)" {
	write_log "$D/ctr.log" 0:first 3:second 100:never
	# An interactive bash on the PTY, as a user would have. After fg, a bare
	# "q" without Enter must still quit: raw mode was taken back.
	run "$PTYDRIVE" -t 20 -o "$D/transcript" -E 'PS1=PROMPT> ' \
		-e 'expect PROMPT> ' \
		-e "send \"$LOGS\" --replay \"$D/ctr.log\"\\r" \
		-e 'expect first' -e 'send \x1a' -e 'expect Stopped' -e 'expect PROMPT> ' \
		-e 'send echo stopped-$(stty -a | grep -c " icanon .* echo ")\r' -e 'expect stopped-1' \
		-e 'send fg\r' -e 'expect second' -e 'send q' -e 'expect PROMPT> ' \
		-e 'send echo after-$(stty -a | grep -c " icanon .* echo ")\r' -e 'expect after-1' \
		-e 'send exit\r' -e 'wait 0' \
		-- bash --norc --noprofile -i
	echo "$output"
	[ "$status" -eq 0 ]
	! grep -q never "$D/transcript" || false
}
