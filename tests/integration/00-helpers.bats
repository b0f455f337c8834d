# The test helpers themselves (fakemgr, ptydrive): the other tests are only
# as good as these. Fast, no root, no shim needed.
bats_require_minimum_version 1.5.0
load lib

setup() {
	common_setup
	[[ -x $FAKEMGR && -x $PTYDRIVE ]] || fail "helpers not built (run make)"
	T=$BATS_TEST_TMPDIR
}

# fake_shim BODY: a shell script standing in for the shim.
fake_shim() {
	printf '#!/bin/sh\n%s\n' "$1" >"$T/shim"
	chmod +x "$T/shim"
}

@test "fakemgr: the shim gets the sync and start sockets at fds 3 and 4, the env, and nothing else" {
	fake_shim "env | grep '^_OCI' | sort >$T/env
head -c 1 <&4 | od -An -tx1 | tr -d ' ' >$T/start
printf '{\"data\": 42}\\n' >&3
exec ls -l /proc/self/fd >$T/fds"
	# bats' own fd 3 is open here; it must not reach the shim.
	run --separate-stderr "$FAKEMGR" -- "$T/shim"
	[ "$status" -eq 0 ]
	[ "$output" = '{"data": 42}' ]
	[ "$(cat "$T/env")" = "$(printf '_OCI_STARTPIPE=4\n_OCI_SYNCPIPE=3')" ]
	[ "$(cat "$T/start")" = 00 ]
	cat "$T/fds"
	awk '$9 == 3 || $9 == 4' "$T/fds" | grep -c 'socket:' | grep -qx 2
	# Nothing else but ls's own directory fd.
	[ -z "$(awk '$9 ~ /^[0-9]+$/ && $9 >= 5 && $11 !~ /^\/proc\/[0-9]+\/fd$/' "$T/fds")" ]
}

@test "fakemgr: --exec-attach adds fd 5 and a second start byte after the attach message" {
	# Like conmon: read the start byte, daemonize, then the attach message,
	# the second start byte, the pid, the exit code.
	fake_shim "head -c 1 <&4 >/dev/null
(printf '{\"data\": 0}\\n' >&5
head -c 1 <&4 | od -An -tx1 | tr -d ' ' >$T/start2
printf '{\"data\": 7}\\n' >&3
printf '{\"data\": 0}\\n' >&3) &"
	run --separate-stderr "$FAKEMGR" --exec-attach --messages 2 -- "$T/shim"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '{"data": 0}\n{"data": 7}\n{"data": 0}')" ]
	[ "$(cat "$T/start2")" = 00 ]
}

@test "fakemgr: exit status of the shim; EOF and timeouts on the sync pipe" {
	fake_shim 'echo oops >&2; exit 3'
	run --separate-stderr "$FAKEMGR" -- "$T/shim"
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[[ $stderr == *oops* && $stderr == *"closed without a message"* ]]

	fake_shim 'exec sleep 30'
	run --separate-stderr "$FAKEMGR" -t 1 -- "$T/shim"
	[ "$status" -eq 124 ]
	[[ $stderr == *"timed out"* ]]

	run --separate-stderr "$FAKEMGR" --bogus -- "$T/shim"
	[ "$status" -eq 125 ]
}

@test "fakemgr: --no-start closes the start pipe; --fd leaks a file; --wait-monitor; --die" {
	fake_shim "n=\$(head -c 1 <&4 | wc -c); ls -l /proc/\$\$/fd/7 >$T/fd7 2>&1; printf '{\"data\": %s}\\n' \$n >&3"
	run --separate-stderr "$FAKEMGR" --no-start --fd "7:$T/leaked" -- "$T/shim"
	[ "$status" -eq 0 ]
	[ "$output" = '{"data": 0}' ]
	grep -q "$T/leaked" "$T/fd7"

	# A daemonizing shim: the first process exits 0, the child exits 9 later.
	fake_shim "(head -c 1 <&4 >/dev/null; printf '{\"data\": 1}\\n' >&3; exec 3>&-; sleep 0.1; exit 9) &"
	run --separate-stderr "$FAKEMGR" --wait-monitor -- "$T/shim"
	[ "$status" -eq 9 ]
	[ "$output" = '{"data": 1}' ]

	fake_shim "printf '{\"data\": 1}\\n' >&3"
	run --separate-stderr "$FAKEMGR" --die -- "$T/shim"
	[ "$status" -eq 137 ]
	[ "$output" = '{"data": 1}' ]
}

@test "fakemgr: a daemonized child holding stdout does not block the caller" {
	# The child keeps the relay pipe open for 30 s; fakemgr must return as
	# soon as the first process exits.
	fake_shim "printf '{\"data\": 1}\\n' >&3; (exec 3>&- 4>&- sleep 30) & echo \$! >$T/bg; echo first-out"
	run --separate-stderr "$FAKEMGR" -t 10 -- "$T/shim"
	kill "$(cat "$T/bg")"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'first-out\n{"data": 1}')" ]
}

@test "ptydrive: send, expect, resize, wait with the exit status, transcript" {
	run --separate-stderr "$PTYDRIVE" -s 30x90 -o "$T/tr" \
		-e 'send stty size\r' -e 'expect 30 90' \
		-e 'resize 40 100' -e 'send stty size; echo $((6*7))\r' -e 'expect_re 40 100\r?\n42' \
		-e 'send exit 3\r' -e 'wait 3' -- sh -i
	echo "$stderr"
	[ "$status" -eq 3 ]
	grep -q '42' "$T/tr"
}

@test "ptydrive: a failing expect says what it waited for and shows the output" {
	run --separate-stderr "$PTYDRIVE" -t 0.5 -e 'expect never-printed' -- sh -c 'echo some output; sleep 5'
	[ "$status" -eq 255 ]
	[[ $stderr == *"step 1 'expect never-printed': not seen within 500 ms"* ]]
	[[ $stderr == *"some output"* ]]
}

@test "ptydrive: output pending when the child exits is read to the end" {
	run --separate-stderr "$PTYDRIVE" -o "$T/tr" -e 'wait 0' -- sh -c 'seq 1 50000'
	[ "$status" -eq 0 ]
	[ "$(tr -d '\r' <"$T/tr")" = "$(seq 1 50000)" ]
	# After the end of output an expect fails at once, without its timeout.
	run --separate-stderr "$PTYDRIVE" -t 60 -e 'eof' -e 'expect 2001' -- sh -c 'seq 1 2000'
	[ "$status" -eq 255 ]
	[[ $stderr == *"not seen before the output ended"* ]]
	run --separate-stderr "$PTYDRIVE" -e 'expect 1999' -e 'eof' -- sh -c 'seq 1 2000'
	[ "$status" -eq 0 ]
}

@test "ptydrive: escapes, ^D as EOF, kill" {
	run --separate-stderr "$PTYDRIVE" -o "$T/tr" -e 'send a\tb\x41\101\r' -e 'expect_re a.bAA' -e 'send \x04' -e 'wait 0' -- cat
	[ "$status" -eq 0 ]
	run --separate-stderr "$PTYDRIVE" -e 'kill TERM' -e 'wait' -- sleep 30
	[ "$status" -eq 143 ]
}
