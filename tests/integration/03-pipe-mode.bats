# Pipe mode (no -t): stdout and stderr are separate pipes, logged as separate
# streams in the k8s-file format of conmon 2.1.6 (conmon-interface.md §6.1).
bats_require_minimum_version 1.5.0
load lib

setup() {
	common_setup
	require_root
	require_shim
}

@test "pipe: stdout and stderr are kept apart, in the exact record format" {
	ctr_run -- sh -c 'echo out1; echo err1 >&2; echo out2; echo "  spaced  out"; echo; echo err2 >&2'
	wait_exit
	[ "$EXIT_CODE" = 0 ]
	check_log_format "$LOGFILE"
	cat "$LOGFILE"
	[ "$(log_content "$LOGFILE" stdout)" = "$(printf 'out1\nout2\n  spaced  out\n\n')" ]
	[ "$(log_content "$LOGFILE" stderr)" = "$(printf 'err1\nerr2\n')" ]
	log_has "$LOGFILE" stdout F out1
	log_has "$LOGFILE" stderr F err1
	log_has "$LOGFILE" stdout F "  spaced  out"
	# An empty line is an F record with empty content ("... stdout F ").
	grep -Eq "${K8S_RE}\$" "$LOGFILE"
	# No carriage returns in pipe mode.
	! grep -q $'\r' "$LOGFILE" || false
}

@test "pipe: the timestamp is local time with 9 fractional digits and a numeric offset" {
	ctr_run -- sh -c 'echo tick'
	wait_exit
	local ts want_off
	ts=$(head -1 "$LOGFILE" | cut -d' ' -f1)
	# The shim's own time zone decides the offset (never "Z").
	want_off=$(date +%z | sed 's/^\(...\)\(..\)$/\1:\2/')
	[[ $ts =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}([+-][0-9]{2}:[0-9]{2})$ ]]
	[ "${BASH_REMATCH[1]}" = "$want_off" ]
	# Within a minute of now.
	local t now
	t=$(date -d "${ts%.*}${ts:29}" +%s)
	now=$(date +%s)
	((now - t < 60 && t - now < 60))
}

@test "pipe: the timestamp follows TZ of the shim" {
	[ -e /usr/share/zoneinfo/Asia/Kolkata ] || skip "no tzdata for Asia/Kolkata"
	ctr_new -- sh -c 'echo tick'
	TZ=Asia/Kolkata shim_create
	check_created
	ctr_start
	wait_exit
	[[ $(head -1 "$LOGFILE" | cut -d' ' -f1) == *.?????????+05:30 ]]
}

@test "pipe: partial lines are P records; the line's end is a separate F record" {
	# The container waits for /share/go between the two halves, so they are
	# certainly two reads.
	ctr_run -- sh -c 'printf abc; while [ ! -e /share/go ]; do sleep 0.02; done; printf "def\n"; printf tail'
	wait_for -m "P record in $LOGFILE" log_has "$LOGFILE" stdout P abc
	touch "$B/share/go"
	wait_exit
	check_log_format "$LOGFILE"
	cat "$LOGFILE"
	log_has "$LOGFILE" stdout F def
	# A partial line at exit stays P: conmon 2.1.6 adds no closing F record.
	[ "$(tail -1 "$LOGFILE" | cut -d' ' -f2-)" = "stdout P tail" ]
	[ "$(log_content "$LOGFILE" stdout)" = "$(printf 'abcdef\ntail')" ]
	[ "$(wc -l <"$LOGFILE")" -eq 3 ]
}

@test "pipe: a 20000-byte line is split into records of at most 8192 bytes" {
	# Written with one write(2) where busybox allows; the guarantees below
	# hold however the reads split it.
	ctr_run -- sh -c 'head -c 20000 /dev/zero | tr "\0" a >/tmp/line.$$; echo >>/tmp/line.$$; cat /tmp/line.$$; rm /tmp/line.$$'
	wait_exit
	check_log_format "$LOGFILE"
	log_records "$LOGFILE" | cut -c1-40
	# Reassembled exactly.
	[ "$(log_content "$LOGFILE" stdout)" = "$(head -c 20000 /dev/zero | tr '\0' a)" ]
	[ "$(log_content "$LOGFILE" stdout | wc -c)" -eq 20001 ]
	# No record's content over 8192 bytes; P records first, one final F.
	local lens tags
	lens=$(awk '{ print length($0) - length($1) - length($2) - length($3) - 3 }' "$LOGFILE")
	echo "content lengths: $(echo $lens)"
	[ "$(sort -n <<<"$lens" | tail -1)" -le 8192 ]
	tags=$(cut -d' ' -f3 "$LOGFILE" | tr -d '\n')
	[[ $tags =~ ^P+F$ ]]
	[ "$(grep -c . "$LOGFILE")" -ge 3 ]
	# With the whole line in the pipe at once, both shims give conmon's
	# observed split: P 8192, P 8192, F 3617 (incl. the newline).
	if [ "$lens" = "$(printf '8192\n8192\n3616')" ]; then
		echo "exact conmon split"
	fi
}

@test "pipe: output written just before exit is drained to the log" {
	ctr_run -- sh -c 'seq 1 30000; echo last >&2'
	wait_exit
	check_log_format "$LOGFILE"
	[ "$(log_content "$LOGFILE" stdout)" = "$(seq 1 30000)" ]
	log_has "$LOGFILE" stderr F last
}

@test "pipe: bytes are logged verbatim (tabs, escapes, UTF-8, no newline translation)" {
	ctr_run -- sh -c 'printf "a\tb\033[1mbold\033[0m \303\251t\303\251\r\n"'
	wait_exit
	[ "$(log_content "$LOGFILE" stdout)" = "$(printf 'a\tb\033[1mbold\033[0m \303\251t\303\251\r\n')" ]
}
