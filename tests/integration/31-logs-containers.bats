# ptyshim-logs on logs written by the shim under test (SHIM, also
# /usr/bin/conmon) for real runc containers: what the container printed is
# what ptyshim-logs prints, byte for byte, in pipe and terminal mode; -f
# sees later output and ends at the container's exit; the session replays
# at its own pace; the asciicast export and the -l asciicast: recording
# play back the same output under asciinema.
bats_require_minimum_version 1.5.0
load lib

LOGS=${LOGS:-$ROOT/bin/ptyshim-logs}

setup() {
	common_setup
	require_root
	require_shim
	[[ -x $LOGS ]] || fail "$LOGS is missing (run make)"
	[[ -x $PTYDRIVE ]] || fail "$PTYDRIVE is missing (run make)"
}

teardown() {
	common_teardown
}

# run_with_share [--tty] -- CMD...: a container whose /share has been
# filled by the caller's fill_share function before it starts.
run_with_share() {
	ctr_new "$@" || return 1
	fill_share "$B/share"
	shim_create
	check_created || return 1
	ctr_start
}

# onlcr FILE: FILE as a terminal with ONLCR prints it (\n -> \r\n).
onlcr() {
	perl -pe 's/\n/\r\n/g' "$1"
}

# logs_out_is EXPECTED_FILE [ARGS...]: ptyshim-logs prints exactly the file.
logs_out_is() {
	local want=$1
	shift
	"$LOGS" "$@" "$LOGFILE" >"$BATS_TEST_TMPDIR/got" 2>"$BATS_TEST_TMPDIR/got.err" ||
		fail "ptyshim-logs failed: $(cat "$BATS_TEST_TMPDIR/got.err")"
	if ! cmp "$want" "$BATS_TEST_TMPDIR/got"; then
		echo "want $(wc -c <"$want") bytes, got $(wc -c <"$BATS_TEST_TMPDIR/got")" >&2
		return 1
	fi
	[ ! -s "$BATS_TEST_TMPDIR/got.err" ] || fail "warnings: $(cat "$BATS_TEST_TMPDIR/got.err")"
}

@test "logs/containers: pipe mode, text on stdout and stderr comes back byte for byte" {
	fill_share() {
		printf 'line one\n\ttabbed \\ back\\slash "quoted"\n\nno newline at the end' >"$1/out"
		printf 'error line\r\nwith CRLF\nand a partial' >"$1/err"
	}
	run_with_share -- sh -c 'cat /share/out; cat /share/err >&2'
	wait_exit
	[ "$EXIT_CODE" = 0 ]
	check_log_format "$LOGFILE"
	logs_out_is "$B/share/out" --stream stdout
	"$LOGS" --stream stderr "$LOGFILE" 2>"$BATS_TEST_TMPDIR/err-got"
	cmp "$B/share/err" "$BATS_TEST_TMPDIR/err-got"
}

@test "logs/containers: pipe mode, 256 KB of random binary comes back byte for byte" {
	fill_share() {
		head -c 262144 /dev/urandom >"$1/bin"
	}
	run_with_share -- sh -c 'cat /share/bin'
	wait_exit
	check_log_format "$LOGFILE"
	logs_out_is "$B/share/bin"
}

@test "logs/containers: pipe mode, 100 KB lines (split into P records) come back whole" {
	fill_share() {
		local i
		for i in 1 2 3; do
			head -c 100000 /dev/zero | tr '\0' "$i"
			echo
		done >"$1/long"
		head -c 100000 /dev/zero | tr '\0' 'z' >>"$1/long"
	}
	run_with_share -- sh -c 'cat /share/long'
	wait_exit
	check_log_format "$LOGFILE"
	grep -q ' stdout P ' "$LOGFILE"
	logs_out_is "$B/share/long"
	# --tail counts the joined lines, not the records.
	"$LOGS" --tail 2 "$LOGFILE" >"$BATS_TEST_TMPDIR/tail"
	tail -n 2 "$B/share/long" | cmp - "$BATS_TEST_TMPDIR/tail"
}

@test "logs/containers: terminal mode, text and binary come back as the terminal printed them" {
	fill_share() {
		printf 'hello\nworld\n\033[1mbold\033[0m caf\303\251 \342\202\254\nprompt> ' >"$1/text"
		head -c 65536 /dev/urandom >"$1/bin"
	}
	run_with_share --tty -- sh -c 'cat /share/text; cat /share/bin'
	wait_exit
	check_log_format "$LOGFILE"
	{ onlcr "$B/share/text"; onlcr "$B/share/bin"; } >"$BATS_TEST_TMPDIR/want"
	logs_out_is "$BATS_TEST_TMPDIR/want"
}

@test "logs/containers: -t and --tail on a real log" {
	ctr_run -- sh -c 'echo one; echo two; echo three'
	wait_exit
	run --separate-stderr "$LOGS" -t --tail 2 "$LOGFILE"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[0]} =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}[+-][0-9]{2}:[0-9]{2}\ two$ ]]
	[[ ${lines[1]} == *" three" ]]
}

@test "logs/containers: -f prints what is written after it started and ends when the container exits" {
	ctr_new -- sh -c 'echo before; while [ ! -e /share/go ]; do sleep 0.05; done; echo after; echo err-after >&2; exit 3'
	shim_create
	check_created
	ctr_start
	wait_for grep -q before "$LOGFILE"
	"$LOGS" -f --exit-dir "$EXITDIR" --cid "$CID" "$LOGFILE" >"$B/fout" 2>"$B/ferr" &
	local fpid=$!
	wait_for grep -qx before "$B/fout"
	# Still following: the container has not exited.
	pid_alive "$fpid"
	[ ! -e "$EXITFILE" ]
	touch "$B/share/go"
	wait_for -m "ptyshim-logs -f to end after the container exits" pid_dead "$fpid"
	local rc=0
	wait "$fpid" || rc=$?
	[ "$rc" -eq 0 ]
	[ -e "$EXITFILE" ]
	[ "$(cat "$B/fout")" = $'before\nafter' ]
	[ "$(cat "$B/ferr")" = err-after ]
}

@test "logs/containers: -f --pidfile ends when the monitor exits, and at once after it has" {
	ctr_new -- sh -c 'echo before; while [ ! -e /share/go ]; do sleep 0.05; done; echo after'
	shim_create
	check_created
	ctr_start
	wait_for grep -q before "$LOGFILE"
	# No exit file involved: podman's cleanup removes it, the pid file stays.
	"$LOGS" -f --pidfile "$B/conmon.pid" --cid "$CID" "$LOGFILE" >"$B/fout" 2>"$B/ferr" &
	local fpid=$!
	wait_for grep -qx before "$B/fout"
	pid_alive "$fpid"
	touch "$B/share/go"
	wait_for -m "ptyshim-logs -f to end with the monitor" pid_dead "$fpid"
	local rc=0
	wait "$fpid" || rc=$?
	[ "$rc" -eq 0 ]
	[ "$(cat "$B/fout")" = $'before\nafter' ]
	wait_shim_gone
	rm -f "$EXITFILE"
	run "$LOGS" -f --pidfile "$B/conmon.pid" --cid "$CID" "$LOGFILE"
	[ "$status" -eq 0 ]
	[ "$output" = $'before\nafter' ]
}

# elapsed_ms CMD...: run CMD (output to /dev/null) and print how long it took.
elapsed_ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null </dev/null
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

@test "logs/containers: a 3-second session replays in about 3 s, about 1 s at --speed 3" {
	ctr_run --tty -- sh -c 'echo a; sleep 1; echo b; sleep 1; echo c; sleep 1; echo d'
	wait_exit
	# The log itself spans about 3 s (the container's own timing).
	local first last span
	first=$(head -1 "$LOGFILE" | cut -d' ' -f1)
	last=$(tail -1 "$LOGFILE" | cut -d' ' -f1)
	span=$((($(date -d "$last" +%s%N) - $(date -d "$first" +%s%N)) / 1000000))
	echo "log spans $span ms"
	((span >= 2900 && span < 6000))
	local t1 t3
	t1=$(elapsed_ms "$LOGS" --replay "$LOGFILE")
	t3=$(elapsed_ms "$LOGS" --replay --speed 3 "$LOGFILE")
	echo "speed 1: $t1 ms, speed 3: $t3 ms"
	# Never faster than the recording; generous upper bounds for slow CI.
	((t1 >= span - 100 && t1 < span + 3000))
	((t3 >= span / 3 - 100 && t3 < span / 3 + 2000))
	# The ratio is what --speed promises: about 3.
	((t1 * 10 / t3 >= 20 && t1 * 10 / t3 <= 45))
	# --idle-limit caps every pause: 3 pauses of 0.2 s at most.
	local ti
	ti=$(elapsed_ms "$LOGS" --replay --idle-limit 0.2 "$LOGFILE")
	echo "idle-limit 0.2: $ti ms"
	((ti < 1500))
	# The replayed bytes are the log's output.
	"$LOGS" --replay --speed 100 "$LOGFILE" >"$BATS_TEST_TMPDIR/replayed"
	[ "$(cat "$BATS_TEST_TMPDIR/replayed")" = $'a\r\nb\r\nc\r\nd\r' ]
}

# asciinema_cat CAST OUT: asciinema opens /dev/tty, so give it one.
asciinema_cat() {
	"$PTYDRIVE" -t 30 -e 'wait 0' -- sh -c 'exec asciinema cat "$1" >"$2"' sh "$1" "$2"
}

@test "logs/containers: an exported asciicast plays back the same output under asciinema cat" {
	fill_share() {
		printf 'plain\n\033[31mred\033[0m "quotes" \\ caf\303\251\n\001\002 \377\376 invalid\nlast' >"$1/text"
	}
	run_with_share --tty -- sh -c 'cat /share/text; sleep 0.3; echo more'
	wait_exit
	"$LOGS" --asciicast "$B/x.cast" --size 100x30 "$LOGFILE"
	[ "$(stat -c %a "$B/x.cast")" = 600 ]
	# Valid JSON on every line, header first.
	head -1 "$B/x.cast" | jq -e '.version == 2 and .width == 100 and .height == 30 and (.timestamp | type) == "number"'
	tail -n +2 "$B/x.cast" | jq -e -s 'all(.[]; length == 3 and .[1] == "o" and (.[2] | type) == "string")'
	asciinema_cat "$B/x.cast" "$BATS_TEST_TMPDIR/cat.out"
	# Invalid UTF-8 (\377\376) comes back as U+FFFD; everything else as is.
	"$LOGS" "$LOGFILE" | perl -pe 's/\xff\xfe/\xef\xbf\xbd\xef\xbf\xbd/g' >"$BATS_TEST_TMPDIR/want"
	cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/cat.out"
}

@test "logs/containers: -l asciicast: records the session next to k8s-file (ptyshim only)" {
	is_ptyshim || skip "the asciicast log driver is a ptyshim extension; $SHIM has none"
	ctr_new --tty -- sh -c 'echo start; while [ ! -e /share/go ]; do sleep 0.05; done; printf "\342\202\254 after resize\n"'
	LOG_OPTS=(-l "k8s-file:$LOGFILE" -l "asciicast:$B/rec.cast")
	shim_create
	check_created
	ctr_start
	wait_for grep -q start "$LOGFILE"
	echo "1 30 100" >"$B/ctl"
	wait_for grep -q '"r", "100x30"' "$B/rec.cast"
	touch "$B/share/go"
	wait_exit
	[ "$(stat -c %a "$B/rec.cast")" = 600 ]
	head -1 "$B/rec.cast" | jq -e '.version == 2 and .width > 0 and .height > 0'
	tail -n +2 "$B/rec.cast" | jq -e -s 'all(.[]; length == 3)'
	asciinema_cat "$B/rec.cast" "$BATS_TEST_TMPDIR/cat.out"
	"$LOGS" "$LOGFILE" >"$BATS_TEST_TMPDIR/want"
	cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/cat.out"
	# ptyshim-logs plays the recording too.
	"$LOGS" --replay --speed 100 "$B/rec.cast" >"$BATS_TEST_TMPDIR/replayed"
	cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/replayed"
}
