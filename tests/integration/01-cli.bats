# Command line (conmon-interface.md §0, §1): --version, and every validation
# error, which must come before daemonizing: exit 1, conmon 2.1.6's message,
# nothing on the sync pipe, nothing created. No root needed.
# (12-conmon-diff.bats compares many more command lines with conmon itself.)
bats_require_minimum_version 1.5.0
load lib

setup() {
	common_setup
	require_shim
	D=$BATS_TEST_TMPDIR/b
	mkdir -p "$D/exits"
	# A complete, valid podman-like command line; each test breaks one thing.
	VALID=(--api-version 1 -c cli-x -u cli-x -r "$(command -v runc || echo /usr/sbin/runc)"
		-b "$D" -p "$D/pidfile" -n cli-x --exit-dir "$D/exits" --full-attach
		-l "k8s-file:$D/ctr.log" --log-level warning --conmon-pidfile "$D/conmon.pid")
}

# without OPTION: VALID minus OPTION and its value.
without() {
	local drop=$1 skip_next=false a
	ARGS=()
	for a in "${VALID[@]}"; do
		if $skip_next; then
			skip_next=false
			continue
		fi
		if [[ $a == "$drop" ]]; then
			[[ $a == --api-version || $a == --full-attach ]] || skip_next=true
			continue
		fi
		ARGS+=("$a")
	done
}

# expect_invalid REGEX ARG...: the shim refuses the command line with a
# message matching REGEX (extended, case-insensitive), exits 1, says nothing
# on the sync pipe and creates nothing.
expect_invalid() {
	local re=$1
	shift
	run --separate-stderr "$FAKEMGR" -t 10 -- "$SHIM" "$@" 3>&-
	# fakemgr's own notes are not the shim's output.
	local msgs
	msgs=$(printf '%s\n' "$stderr" | grep -v '^fakemgr: ' || true)
	echo "status: $status"
	echo "stdout: $output"
	echo "stderr: $msgs"
	[ "$status" -eq 1 ]
	# conmon prints option parsing errors on stdout, the rest on stderr.
	local all
	all=$(printf '%s\n%s\n' "$output" "$msgs" | grep -v '^{"data"' || true)
	grep -Eqi -- "$re" <<<"$all" || fail "no message matching /$re/"
	# Nothing on the sync pipe: stdout holds only a possible parse error.
	! grep -q '"data"' <<<"$output" || false
	[ ! -e "$D/conmon.pid" ]
	[ -z "$(ls -A "$D/exits")" ]
	# conmon creates the (empty) log file before its --log-tag check.
	[ ! -s "$D/ctr.log" ]
	if is_ptyshim; then
		# ptyshim's rule: exactly one line, "ptyshim: <context>: <what>".
		[ "$(printf '%s\n' "$all" | grep -c .)" -eq 1 ]
		grep -Eq '^ptyshim: ' <<<"$all"
	fi
}

@test "cli: --version prints 'conmon version 2.1.6' first, exit 0" {
	run --separate-stderr "$SHIM" --version </dev/null
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "conmon version 2.1.6" ]
	# The regex podman's containers/common applies to it.
	[[ ${lines[0]} =~ ^(version:|conmon\ version)?\ ([0-9]+).([0-9]+).([0-9]+) ]]
	if is_ptyshim; then
		[[ $output =~ ptyshim\ [0-9]+\.[0-9]+ ]]
	fi
}

@test "cli: missing --cid" {
	without -c
	expect_invalid 'Container ID not provided\. Use --cid' "${ARGS[@]}"
}

@test "cli: missing --cuuid" {
	without -u
	expect_invalid 'Container UUID not provided\. Use --cuuid' "${ARGS[@]}"
}

@test "cli: missing --runtime" {
	without -r
	expect_invalid 'Runtime path not provided\. Use --runtime' "${ARGS[@]}"
}

@test "cli: --runtime that is not executable" {
	without -r
	echo '#!/bin/sh' >"$D/noexec"
	chmod 0644 "$D/noexec"
	expect_invalid "Runtime path $D/noexec is not valid.*Permission denied" "${ARGS[@]}" -r "$D/noexec"
}

@test "cli: --runtime that does not exist" {
	without -r
	expect_invalid 'Runtime path /nonexistent/runc is not valid.*No such file' "${ARGS[@]}" -r /nonexistent/runc
}

@test "cli: missing -l/--log-path" {
	without -l
	expect_invalid 'Log driver not provided\. Use --log-path' "${ARGS[@]}"
}

@test "cli: unknown log driver" {
	without -l
	expect_invalid 'No such log driver bogus' "${ARGS[@]}" -l "bogus:$D/ctr.log"
}

@test "cli: k8s-file with --log-tag" {
	expect_invalid "k8s-file doesn't support --log-tag" "${VALID[@]}" --log-tag mytag
}

@test "cli: -e without --exec-process-spec" {
	expect_invalid 'Exec process spec path not provided\. Use --exec-process-spec' "${VALID[@]}" -e
}

@test "cli: --exec-attach without -e" {
	expect_invalid 'Attach can only be specified with exec' "${VALID[@]}" --exec-attach
}

@test "cli: --exec-attach without --api-version (legacy exec)" {
	without --api-version
	expect_invalid 'Attach can only be specified for a non-legacy exec session' "${ARGS[@]}" -e --exec-process-spec "$D/spec.json" --exec-attach
}

@test "cli: bad --log-level" {
	expect_invalid 'No such log level bogus' "${VALID[@]}" --log-level bogus
}

@test "cli: --log-level accepts every level name in any case" {
	require_root
	# A valid level must get past validation: the shim then tries to create
	# a container in a bundle without config.json, which fails later (the
	# runtime's error on the sync pipe), not as a command-line error.
	local level
	for level in panic FATAL Error warn WARNING info Debug trace; do
		without --log-level
		run --separate-stderr "$FAKEMGR" -t 20 -w -- "$SHIM" "${ARGS[@]}" --log-level "$level" 3>&-
		echo "$level: status $status, sync '$output', stderr: $stderr"
		! grep -Eqi 'log.level' <<<"$stderr" || false
		[[ $output == '{"data": -1'* ]]
	done
}

@test "cli: unknown option" {
	expect_invalid 'option parsing failed: Unknown option --bogus' "${VALID[@]}" --bogus
}

@test "cli: option missing its value at the end" {
	expect_invalid 'option parsing failed: Missing argument for --timeout' "${VALID[@]}" --timeout
}

@test "cli: blank -l" {
	without -l
	expect_invalid 'log-path must not be empty' "${ARGS[@]}" -l ''
}

@test "cli: k8s-file without a file name" {
	without -l
	expect_invalid 'k8s-file requires a filename' "${ARGS[@]}" -l k8s-file:
}

@test "cli: one bad -l among good ones" {
	expect_invalid 'No such log driver foo' "${VALID[@]}" -l none -l foo:x -l bar:y
}

@test "cli: negative --exit-delay" {
	expect_invalid 'Delay before invoking exit command must be greater than or equal to 0' "${VALID[@]}" --exit-delay -1
}

@test "cli: --restore with -e" {
	expect_invalid "Cannot use 'exec' and 'restore' at the same time" "${VALID[@]}" -e --restore "$D/ck" \
		--exec-process-spec "$D/spec.json"
}

@test "cli: journald with a container id of 12 characters" {
	without -c
	expect_invalid 'Container ID must be longer than 12 characters' "${ARGS[@]}" -c 0123456789ab -l journald
}

@test "cli: --timeout not a number (glib's message)" {
	expect_invalid 'option parsing failed: Cannot parse integer value .abc. for --timeout' "${VALID[@]}" --timeout abc
}
