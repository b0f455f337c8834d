# The journald log driver (-l journald, conmon-interface.md §6.2): the
# entries conmon 2.1.6 sends, read back with journalctl; journald beside
# k8s-file; a journald that is gone or stopped never holds up the container
# or the shim; podman --log-driver journald run, logs, logs -f, and the
# compare scenarios of 40-podman again with journald. Runs on conmon too
# (SHIM=/usr/bin/conmon) except where a test says ptyshim.
bats_require_minimum_version 1.5.0
load lib
load lib-fault
load lib-journald
load lib-podman

setup_file() {
	jd_setup_file
	pm_setup_file
	[[ -z ${PM_SKIP:-} ]] || return 0
	# Every container of this file logs to journald; `logs -f` with journald
	# wants podman's events there too (podman 4.3.1 refuses it otherwise).
	sed -i -e 's/^log_driver = .*/log_driver = "journald"/' -e 's/^events_logger = .*/events_logger = "journald"/' \
		"$PM_DIR/containers.conf"
}

teardown_file() {
	pm_teardown_file
	jd_teardown_file
}

is_podman_test() {
	[[ $BATS_TEST_DESCRIPTION == podman* ]]
}

setup() {
	jd_need
	if is_podman_test; then
		pm_setup
	else
		fault_setup
	fi
}

teardown() {
	jd_restore
	if is_podman_test; then
		pm_teardown
	else
		fault_teardown
	fi
}

# run_jrn [-t] [SHIM_ARG...] -- CMD...: a container logging to journald only,
# run to its end; its entries are then all in the journal (the shim sends
# them before the exit file).
run_jrn() {
	local tty=() extra=()
	[[ $1 == -t ]] && tty=(--tty) && shift
	while [[ $1 != -- ]]; do extra+=("$1"); shift; done
	shift
	ctr_new "${tty[@]}" -- "$@"
	SHIM_ARGS+=("${extra[@]}")
	LOG_OPTS=(-l journald)
	shim_create
	check_created
	ctr_start
	wait_exit
	wait_shim_gone
}

# without_name: SHIM_ARGS without -n NAME.
without_name() {
	local a=() i
	for ((i = 0; i < ${#SHIM_ARGS[@]}; i++)); do
		if [[ ${SHIM_ARGS[i]} == -n ]]; then ((i++)); else a+=("${SHIM_ARGS[i]}"); fi
	done
	SHIM_ARGS=("${a[@]}")
}

@test "journald: stdout is PRIORITY 6, stderr 3, with conmon's fields (-n, the 12-character id)" {
	run_jrn -- sh -c 'echo out; sleep 0.1; echo err >&2'
	jrn_wait "$CID" 2
	[ "$(jrn_entries "$CID")" = "$(printf '6 - 4 "out\\n"\n3 - 4 "err\\n"')" ]
	[ "$(jrn_values "$CID" CONTAINER_ID)" = "${CID:0:12}" ]
	[ "$(jrn_values "$CID" CONTAINER_NAME)" = "$CID" ]
	[ "$(jrn_values "$CID" SYSLOG_IDENTIFIER)" = "$CID" ]
	[ "$(jrn_values "$CID" CONTAINER_TAG)" = "(none)" ]
}

@test "journald: --log-tag is CONTAINER_TAG and SYSLOG_IDENTIFIER; without -n the identifier is the short id" {
	run_jrn --log-tag web-tag -- sh -c 'echo tagged'
	jrn_wait "$CID" 1
	[ "$(jrn_values "$CID" CONTAINER_TAG)" = web-tag ]
	[ "$(jrn_values "$CID" SYSLOG_IDENTIFIER)" = web-tag ]
	[ "$(jrn_values "$CID" CONTAINER_NAME)" = "$CID" ]

	ctr_new -- sh -c 'echo nameless'
	without_name
	LOG_OPTS=(-l journald)
	shim_create
	check_created
	ctr_start
	wait_exit
	jrn_wait "$CID" 1
	[ "$(jrn_values "$CID" CONTAINER_NAME)" = "(none)" ]
	[ "$(jrn_values "$CID" SYSLOG_IDENTIFIER)" = "${CID:0:12}" ]
	[ "$(jrn_values "$CID" CONTAINER_ID)" = "${CID:0:12}" ]
	[ "$(jrn_values "$CID" CONTAINER_ID_FULL)" = "$CID" ]
}

@test "journald: a partial line is held and joined; what is left at the end goes out partial" {
	run_jrn -- sh -c 'printf "a\nb\nc"; sleep 0.2; printf "d\n"; printf e >&2; sleep 0.2; printf "f\n" >&2
		printf part; sleep 0.2; echo ial; printf tail'
	jrn_wait "$CID" 6
	[ "$(jrn_entries "$CID")" = "$(printf '%s\n' '6 - 2 "a\n"' '6 - 2 "b\n"' '6 - 3 "cd\n"' '3 - 3 "ef\n"' \
		'6 - 8 "partial\n"' '6 true 4 "tail"')" ]
}

@test "journald: a line over 8192 bytes comes in partial entries of 8192 and a whole end" {
	run_jrn -- sh -c 'head -c 20000 /dev/zero | tr "\0" a; echo; head -c 8191 /dev/zero | tr "\0" b; sleep 0.2; echo'
	jrn_wait "$CID" 4
	local want
	want=$(head -c 20000 /dev/zero | tr '\0' a; echo; head -c 8191 /dev/zero | tr '\0' b; echo; echo .)
	[ "$(jrn_stream "$CID" 6; echo .)" = "$want" ]
	# Reads may end anywhere in the long line; the entries never hold more
	# than 8192 bytes there, every one but the last is partial.
	run -0 jrn_entries "$CID"
	echo "$output" | cut -c 1-20
	local n=${#lines[@]}
	for ((i = 0; i < n - 2; i++)); do
		[[ ${lines[i]} =~ ^6\ true\ ([0-9]+)\  ]] && ((BASH_REMATCH[1] <= 8192))
	done
	[[ ${lines[n - 2]} =~ ^6\ -\ [0-9]+\ \"a ]]
	# 8191 bytes are held (they fit), and the newline joins them.
	[[ ${lines[n - 1]} == '6 - 8192 "bbbb'* ]]
}

@test "journald: a terminal's output is all PRIORITY 6" {
	run_jrn -t -- sh -c 'echo x; sleep 0.1; printf y >&2'
	jrn_wait "$CID" 2
	[ "$(jrn_entries "$CID")" = "$(printf '%s\n' '6 - 3 "x\r\n"' '6 true 1 "y"')" ]
}

@test "journald with k8s-file: both get every line" {
	ctr_new -- sh -c 'echo one; echo two >&2; printf three'
	LOG_OPTS=(-l journald -l "k8s-file:$LOGFILE")
	shim_create
	check_created
	ctr_start
	wait_exit
	jrn_wait "$CID" 3
	[ "$(jrn_stream "$CID" 6)" = "$(printf 'one\nthree')" ]
	[ "$(jrn_stream "$CID" 3)" = two ]
	check_log_format "$LOGFILE"
	[ "$(log_records "$LOGFILE" | sort)" = "$(printf 'stderr F two\nstdout F one\nstdout P three')" ]
}

# The shim's own messages: only syslog hears them once it has daemonized
# (the capture holds datagrams, not lines: count the matches).
syslog_lines() {
	grep -oE -- "$1" "$SYSLOG_FILE" | wc -l
}

# run_beside_k8s CMD: a container with stdin, logging to journald and
# k8s-file, its diagnostics captured from syslog if possible; started.
run_beside_k8s() {
	syslog_capture_start
	ctr_new -- sh -c "$1"
	SHIM_ARGS+=(-i --syslog)
	LOG_OPTS=(-l journald -l "k8s-file:$LOGFILE")
	shim_create
	check_created
	ctr_start
}

# ping_through_attach: the container reads a line and prints got-LINE: an
# attach client sends "ping" and gets "got-ping" back.
ping_through_attach() {
	run -0 "$ATTACHPEER" -t 20 -w "$B/peer.data" "$B/attach" send 'ping\n'
	grep -q got-ping "$B/peer.data"
}

# check_reports FIRST_RE COUNT_RE: the shim said FIRST_RE (the first drop)
# once, COUNT_RE (the count at exit) once, and nothing else about journald.
check_reports() {
	if [[ -z $SYSLOG_FILE ]]; then
		echo "# syslog not captured (/dev/log is taken or socat missing): the report is not checked" >&3
		return 0
	fi
	cat "$SYSLOG_FILE"
	[ "$(syslog_lines "journald: $1; output is being dropped")" = 1 ]
	[ "$(syslog_lines "journald: $2 of output were dropped")" = 1 ]
	[ "$(syslog_lines '<error>: journald: ')" = 2 ]
}

@test "journald down (no socket): the container runs, attach and k8s-file get everything, the loss is said once" {
	is_ptyshim || skip "conmon drops silently when the socket is missing"
	jd_need_own
	jd_down
	run_beside_k8s 'read x; echo got-$x; echo out; echo err >&2'
	ping_through_attach
	wait_exit
	[ "$EXIT_CODE" = 0 ]
	log_has "$LOGFILE" stdout F got-ping
	log_has "$LOGFILE" stdout F out
	log_has "$LOGFILE" stderr F err
	wait_shim_gone
	check_reports '/run/systemd/journal/socket: No such file or directory' '3 entries \(17 bytes\)'
}

@test "journald stalled (SIGSTOP): the flood is not held up, attach answers, drops are counted and said" {
	is_ptyshim || skip "conmon blocks in sd_journal_sendv"
	jd_need_own
	run_beside_k8s 'until [ -e /share/go ]; do sleep 0.05; done; seq 1 300000; echo flood-done; read x; echo got-$x'
	kill -STOP "$(jd_pid)"
	local t0 t1
	t0=$(date +%s%N)
	touch "$B/share/go"
	wait_for -t 60 -m "flood-done in the k8s-file log" log_has "$LOGFILE" stdout F flood-done
	t1=$(date +%s%N)
	echo "# the flood took $(((t1 - t0) / 1000000)) ms with journald stopped" >&3
	# 300000 lines through a pipe take well under a second here; a shim
	# that waited for journald would never get there.
	(((t1 - t0) / 1000000 < 15000))
	# The loop answers: input reaches the container, its output the client.
	ping_through_attach
	# At exit the shim gives journald a moment (JRNLOG_DRAIN_MS), then goes on.
	wait_exit 10
	[ "$EXIT_CODE" = 0 ]
	wait_shim_gone 10
	kill -CONT "$(jd_pid)"
	[ "$(log_content "$LOGFILE" | wc -l)" = 300002 ]
	check_reports 'journald does not keep up \(4194304 bytes are queued\)' '[1-9][0-9]* entries \([1-9][0-9]* bytes\)'
	# What journald took in before it stopped is stored once it goes on;
	# nothing was sent twice.
	local got
	got=$(jrn_stream "$CID" 6 | sort -n | uniq -d | wc -l)
	[ "$got" = 0 ]
}

# ------------------------------------------------------------------ podman

@test "podman --log-driver journald: run -d, wait, logs: stdout, stderr, a partial line, exit code 7" {
	run -0 pm run -d --log-driver journald --name c1 "$PM_IMAGE" sh -c 'echo out1; echo err1 >&2; printf partial; exit 7'
	run -0 pm wait c1
	assert_eq "$output" 7
	run -0 pm_inspect c1 '{{.State.Status}} {{.State.ExitCode}} {{.HostConfig.LogConfig.Type}}'
	assert_eq "$output" "exited 7 journald"
	run -0 --separate-stderr pm logs c1
	assert_eq "$output" $'out1\npartial'
	assert_eq "$stderr" err1
	id=$(pm_inspect c1 '{{.Id}}')
	assert_eq "$(jrn_values "$id" CONTAINER_NAME)" c1
}

@test "podman --log-driver journald: run --rm in the foreground, streams apart" {
	run -3 --separate-stderr pm run --rm --log-driver journald --name c1 "$PM_IMAGE" \
		sh -c 'echo to-stdout; echo to-stderr >&2; exit 3'
	assert_eq "$output" to-stdout
	assert_eq "$stderr" to-stderr
}

@test "podman --log-driver journald: logs -f follows live lines and ends when the container stops" {
	pm run -d --log-driver journald --name c1 "$PM_IMAGE" sh -c 'trap "exit 0" TERM; echo first
		until [ -e /tmp/go ]; do sleep 0.1; done; echo second; echo third
		while :; do sleep 0.1; done' >/dev/null
	poll 20 pm_logs_contain c1 first
	timeout 60 "$PM_DIR/pm" logs -f c1 >"$BATS_TEST_TMPDIR/follow" 2>&1 &
	follow=$!
	pm exec c1 touch /tmp/go
	poll 20 grep -q third "$BATS_TEST_TMPDIR/follow"
	run -0 pm logs --tail 1 c1
	assert_eq "$output" third
	run -0 pm stop -t 20 c1
	wait "$follow"
	assert_eq "$(cat "$BATS_TEST_TMPDIR/follow")" $'first\nsecond\nthird'
}

@test "podman compare (journald): run -d with both streams, a 20000-byte line, a partial line" {
	pm_compare scen_detached
}

@test "podman compare (journald): run -i with a pipe" {
	pm_compare scen_pipe
}

@test "podman compare (journald): run -t through a terminal" {
	pm_need_ptydrive
	pm_compare scen_tty
}
