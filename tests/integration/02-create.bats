# Start-up and runtime create (conmon-interface.md §2, §3): the sync message,
# the pid files, daemonizing, the runtime's argv, and the failure paths.
bats_require_minimum_version 1.5.0
load lib

setup() {
	common_setup
	require_root
	require_shim
}

# A runtime wrapper that records each argv (one "[arg]" per line, "---" after
# each call) in $B/rt-argv, then runs the real runtime. --systemd-cgroup is
# recorded but not passed on: this host has no systemd.
make_recording_runtime() {
	local w=$BATS_TEST_TMPDIR/rt-record
	cat >"$w" <<-EOF
		#!/bin/sh
		log="\$(dirname "\$0")/rt-argv"
		for a in "\$@"; do printf '[%s]\n' "\$a"; done >>"\$log"
		echo --- >>"\$log"
		first=1
		for a in "\$@"; do
			if [ \$first = 1 ]; then set --; first=0; fi
			[ "\$a" = --systemd-cgroup ] || set -- "\$@" "\$a"
		done
		exec "$RUNTIME_BIN" "\$@"
	EOF
	chmod +x "$w"
	echo "$w"
}

# replace_arg OLD NEW: replace the element after OLD in SHIM_ARGS.
replace_arg() {
	local i
	for ((i = 0; i < ${#SHIM_ARGS[@]}; i++)); do
		if [[ ${SHIM_ARGS[i]} == "$1" ]]; then
			SHIM_ARGS[i + 1]=$2
			return 0
		fi
	done
	fail "replace_arg: $1 not in SHIM_ARGS"
}

@test "create: sync message is exactly {\"data\": PID} with the container's pid" {
	ctr_new -- sh -c 'exit 0'
	shim_create -p "$B/first.pid"
	check_created
	[ "$SYNC" = "{\"data\": $CTR_PID}" ]
	# The pid is the one the runtime wrote to -p, and the container's.
	[ "$(cat "$B/pidfile")" = "$CTR_PID" ]
	run rt state "$CID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .pid <<<"$output")" = "$CTR_PID" ]
	[ "$(jq -r .status <<<"$output")" = created ]
	ctr_start
	wait_exit
	[ "$EXIT_CODE" = 0 ]
}

@test "create: --conmon-pidfile holds the monitor's pid, no newline; the monitor daemonized" {
	ctr_new -- sh -c 'while [ ! -e /share/go ]; do sleep 0.05; done'
	shim_create -p "$B/first.pid"
	check_created
	# No newline: podman reads it with strconv.Atoi.
	[[ $(od -An -c "$B/conmon.pid" | tr -d ' ') =~ ^[0-9]+$ ]]
	[ "$MON_PID" -gt 1 ]
	pid_alive "$MON_PID"
	# Not the process the manager spawned: that one exited (fakemgr reaped it).
	[ "$MON_PID" != "$(cat "$B/first.pid")" ]
	# Own session (setsid) and the container's init is its direct child.
	[ "$(ps -o sid= -p "$MON_PID" | tr -d ' ')" = "$MON_PID" ]
	[ "$(ppid_of "$CTR_PID")" = "$MON_PID" ]
	# stdio on /dev/null, so the manager's pipes are not held.
	local fd
	for fd in 0 1 2; do
		[ "$(readlink "/proc/$MON_PID/fd/$fd")" = /dev/null ]
	done
	ctr_start
	touch "$B/share/go"
	wait_exit
	wait_shim_gone
}

@test "create: podman's argv forms: --opt=value, stray '1' after --api-version, empty values" {
	ctr_new -- sh -c 'echo parsed; exit 3'
	SHIM_ARGS=(--api-version 1 "--cid=$CID" --cuuid "$CID" "--runtime=$RUNTIME_BIN" "--bundle=$B"
		"--container-pidfile=$B/pidfile" --name "$CID" "--exit-dir=$EXITDIR" --full-attach
		--log-level=warning --runtime-arg --root "--runtime-arg=$RT_ROOT"
		--runtime-arg --log-format=json --runtime-arg --log "--runtime-arg=$B/oci-log"
		"--conmon-pidfile=$B/conmon.pid" --exit-command /bin/true --exit-command-arg ''
		--exit-command-arg --rm)
	LOG_OPTS=("--log-path=k8s-file:$LOGFILE")
	shim_create
	check_created
	ctr_start
	wait_exit
	[ "$EXIT_CODE" = 3 ]
	log_has "$LOGFILE" stdout F parsed
}

@test "create: the runtime gets conmon's create argv" {
	ctr_new --tty -- sh -c 'exit 0'
	local w
	w=$(make_recording_runtime)
	replace_arg -r "$w"
	SHIM_ARGS+=(-s --no-pivot --no-new-keyring --runtime-opt --preserve-fds --runtime-opt 0)
	shim_create
	check_created
	# First runtime call: create. RUNTIME [-s] <runtime-args> create --bundle B
	# --pid-file P [--no-pivot] [--no-new-keyring] <runtime-opts>
	# [--console-socket S] CID
	mapfile -t got < <(sed '/^---$/q' "$BATS_TEST_TMPDIR/rt-argv" | sed '$d')
	printf '%s\n' "${got[@]}"
	local expect=("[--systemd-cgroup]" "[--root]" "[$RT_ROOT]" "[--log-format=json]" "[--log]"
		"[$B/oci-log]" "[create]" "[--bundle]" "[$B]" "[--pid-file]" "[$B/pidfile]" "[--no-pivot]"
		"[--no-new-keyring]" "[--preserve-fds]" "[0]" "[--console-socket]")
	local i
	for ((i = 0; i < ${#expect[@]}; i++)); do
		[ "${got[i]}" = "${expect[i]}" ] || fail "argv[$i] is '${got[i]}', expected '${expect[i]}'"
	done
	# Then the socket path, then the container id, and nothing else.
	[[ ${got[i]} == \[/*\] ]]
	[ "${got[i + 1]}" = "[$CID]" ]
	[ "${#got[@]}" -eq $((i + 2)) ]
	ctr_start
	wait_exit
}

@test "create: a command that does not exist: the runtime's error text on the sync pipe, exit 1" {
	ctr_new -- /nonexistent
	# -w: fakemgr waits for the daemonized shim and returns its exit status.
	shim_create -w
	echo "sync: $SYNC"
	[ "$SHIM_RC" -eq 1 ]
	[[ $SYNC == '{"data": -1, "message": "'*'"}' ]]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/.sync-$CID")" -eq 1 ]
	# Valid JSON, and the message is runc's own text, unchanged.
	local msg
	msg=$(jq -er .message <<<"$SYNC")
	[ "$(jq -r .data <<<"$SYNC")" = -1 ]
	# What podman maps to exit code 127.
	grep -Eqi 'no such file or directory|executable file not found' <<<"$msg"
	[ "${#SYNC}" -lt 4096 ]
	# Nothing left behind: no container.
	run rt state "$CID"
	[ "$status" -ne 0 ]
	# Byte for byte what the runtime itself prints for the same create.
	local cid2
	cid2=$(new_cid)
	run --separate-stderr rt --log-format=json --log "$B/oci-log2" create --bundle "$B" --pid-file "$B/pid2" "$cid2"
	[ "$status" -ne 0 ]
	echo "runtime's own stderr: $stderr"
	[ "$msg" = "$stderr" ]
}

@test "create: a runtime that fails silently: exit 1, no hang" {
	ctr_new -- sh -c 'exit 0'
	replace_arg -r /bin/false
	shim_create -w
	echo "sync: '$SYNC'"
	[ "$SHIM_RC" -eq 1 ]
	if is_ptyshim; then
		# ptyshim always answers a waiting manager: -1 with its own text.
		[[ $SYNC == '{"data": -1, "message": "'*'"}' ]]
		jq -e . <<<"$SYNC" >/dev/null
	else
		# conmon sends nothing when the runtime's stderr is empty (§2.3).
		[ -z "$SYNC" ]
	fi
}

@test "create: a runtime that hangs is given up on (ptyshim --runtime-timeout)" {
	is_ptyshim || skip "conmon waits for a hung runtime forever (no runtime timeout)"
	ctr_new -- sh -c 'exit 0'
	printf '#!/bin/sh\necho $$ >"$(dirname "$0")/rt-hang.pid"\nexec sleep 600\n' >"$BATS_TEST_TMPDIR/rt-hang"
	chmod +x "$BATS_TEST_TMPDIR/rt-hang"
	replace_arg -r "$BATS_TEST_TMPDIR/rt-hang"
	SHIM_ARGS+=(--runtime-timeout 1)
	shim_create -w
	[ "$SHIM_RC" -eq 1 ]
	[[ $SYNC == '{"data": -1, "message": "'*'"}' ]]
	# The hung runtime was not left running.
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/rt-hang.pid")
	wait_for -t 5 pid_dead "$pid" || { kill -KILL "$pid"; fail "hung runtime $pid still running"; }
}

@test "create: terminal mode, a runtime that never sends the console: -1, exit 1" {
	ctr_new --tty -- sh -c 'exit 0'
	# Exits 0 without connecting to --console-socket.
	replace_arg -r /bin/true
	shim_create -w
	echo "sync: '$SYNC'"
	[ "$SHIM_RC" -eq 1 ]
	if is_ptyshim; then
		[[ $SYNC == '{"data": -1, "message": "'*'"}' ]]
	fi
}

@test "create: terminal mode, a console peer that sends garbage and no fd: exit 1, no hang" {
	command -v socat >/dev/null || skip "socat is not installed"
	ctr_new --tty -- sh -c 'exit 0'
	# Connects to --console-socket, sends bytes without SCM_RIGHTS, exits 0.
	cat >"$BATS_TEST_TMPDIR/rt-garbage" <<-'EOF'
		#!/bin/sh
		prev=
		for a in "$@"; do
			[ "$prev" = --console-socket ] && sock=$a
			prev=$a
		done
		printf 'garbage, no fd' | socat -u - "UNIX-CONNECT:$sock"
	EOF
	chmod +x "$BATS_TEST_TMPDIR/rt-garbage"
	replace_arg -r "$BATS_TEST_TMPDIR/rt-garbage"
	shim_create -w
	echo "sync: '$SYNC'"
	[ "$SHIM_RC" -eq 1 ]
	if is_ptyshim; then
		[[ $SYNC == '{"data": -1, "message": "'*'"}' ]]
	fi
}

@test "create: EOF on the start pipe counts as the start byte" {
	ctr_new -- sh -c 'exit 4'
	shim_create --no-start
	check_created
	ctr_start
	wait_exit
	[ "$EXIT_CODE" = 4 ]
}

@test "create: the console socket is made in TMPDIR and removed" {
	ctr_new --tty -- sh -c 'exit 0'
	mkdir -p "$BATS_TEST_TMPDIR/tmp"
	TMPDIR=$BATS_TEST_TMPDIR/tmp shim_create
	check_created
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/tmp")" ]
	ctr_start
	wait_exit
}
