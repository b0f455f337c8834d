# The log file itself (conmon-interface.md §6, §6.1, §6.3): mode, appending,
# the driver syntax of -l, -l none, and several -l at once.
bats_require_minimum_version 1.5.0
load lib

setup() {
	common_setup
	require_root
	require_shim
}

@test "log: the k8s-file log is created with mode 0600" {
	ctr_run -- sh -c 'echo x'
	wait_exit
	[ "$(stat -c %a "$LOGFILE")" = 600 ]
}

@test "log: the log is appended to across two runs of the shim" {
	ctr_run -- sh -c 'echo run-one'
	wait_exit
	wait_shim_gone
	local log=$LOGFILE
	ctr_new -- sh -c 'echo run-two'
	LOG_OPTS=(-l "k8s-file:$log")
	shim_create
	check_created
	ctr_start
	wait_exit
	check_log_format "$log"
	[ "$(log_records "$log")" = "$(printf 'stdout F run-one\nstdout F run-two')" ]
	[ "$(stat -c %a "$log")" = 600 ]
}

@test "log: an existing log file keeps its content and gets more (restart of the same container)" {
	ctr_new -- sh -c 'echo again'
	printf '2026-01-01T00:00:00.000000000+00:00 stdout F old\n' >"$LOGFILE"
	shim_create
	check_created
	ctr_start
	wait_exit
	[ "$(log_records "$LOGFILE")" = "$(printf 'stdout F old\nstdout F again')" ]
}

@test "log: a bare path after -l means k8s-file" {
	ctr_new -- sh -c 'echo bare'
	LOG_OPTS=(-l "$B/bare.log")
	shim_create
	check_created
	ctr_start
	wait_exit
	check_log_format "$B/bare.log"
	log_has "$B/bare.log" stdout F bare
}

@test "log: -l none writes no log; the container still runs and its exit is recorded" {
	ctr_new -- sh -c 'echo nowhere; exit 4'
	LOG_OPTS=(-l none)
	shim_create
	check_created
	ctr_start
	wait_exit
	[ "$EXIT_CODE" = 4 ]
	wait_shim_gone
	# No file anywhere in the bundle carries the output.
	! grep -rqs nowhere "$B" --exclude=config.json || false
}

@test "log: -l off and -l null mean none too" {
	local d
	for d in off null; do
		ctr_new -- sh -c "echo $d; exit 0"
		LOG_OPTS=(-l "$d")
		shim_create
		check_created
		ctr_start
		wait_exit
		[ ! -e "$B/$d" ]
	done
}

@test "log: two -l at once" {
	ctr_new -- sh -c 'echo twice; echo err >&2'
	LOG_OPTS=(-l "k8s-file:$B/a.log" -l "k8s-file:$B/b.log")
	shim_create
	check_created
	ctr_start
	wait_exit
	wait_shim_gone
	check_log_format "$B/b.log"
	log_has "$B/b.log" stdout F twice
	log_has "$B/b.log" stderr F err
	if is_ptyshim; then
		# ptyshim writes every log it is given, byte-identical.
		cmp "$B/a.log" "$B/b.log"
	else
		# conmon 2.1.6 keeps one k8s-file path: the last -l wins.
		[ ! -s "$B/a.log" ]
	fi
}

@test "log: -l none together with a k8s-file log" {
	ctr_new -- sh -c 'echo both'
	LOG_OPTS=(-l none -l "k8s-file:$LOGFILE")
	shim_create
	check_created
	ctr_start
	wait_exit
	log_has "$LOGFILE" stdout F both
}
