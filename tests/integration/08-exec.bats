# Exec sessions as podman runs them (conmon-interface.md §1.3 exec, §2.3):
# -e --exec-attach with the attach pipe at fd 5, two start bytes, and the exit
# code as a second sync message. Also checks fakemgr's exec mode against
# conmon itself.
bats_require_minimum_version 1.5.0
load lib

setup() {
	common_setup
	require_root
	require_shim
}

# exec_args [--tty] SESSION-ID -- CMD...: SHIM_ARGS for an exec session in the
# running container $CID, the way podman builds them; sets SB (the session's
# bundle) and SEXIT (its exit file).
exec_args() {
	local tty=false
	[[ $1 == --tty ]] && { tty=true; shift; }
	local sid=$1
	shift 2
	SB=$B/$sid
	mkdir -p "$SB/exit"
	local named=() i
	for ((i = 1; i <= $#; i++)); do named+=(--arg "a$i" "${!i}"); done
	jq --argjson tty "$tty" --argjson na $# "${named[@]}" \
		'.process | .args = [range(1; $na + 1) as $i | $ARGS.named["a\($i)"]] | .terminal = $tty' \
		"$B/config.json" >"$SB/exec-process"
	SHIM_ARGS=(--api-version 1 -c "$CID" -u "$sid" -r "$RUNTIME_BIN" -b "$SB" -p "$SB/exec_pid"
		-n "$CID" --exit-dir "$SB/exit" --full-attach -l none --log-level warning
		--runtime-arg --root --runtime-arg "$RT_ROOT"
		--runtime-arg --log-format=json --runtime-arg --log "--runtime-arg=$SB/oci-log")
	$tty && SHIM_ARGS+=(-t)
	SHIM_ARGS+=(-e --exec-attach --exec-process-spec "$SB/exec-process")
	SEXIT=$SB/exit/$CID
}

# exec_run: run the session through fakemgr (attach message, second start
# byte, pid, exit code); sets EXEC_OUT (the three messages) and EXEC_RC.
exec_run() {
	EXEC_RC=0
	"$FAKEMGR" -t 30 --exec-attach --messages 2 -- "$SHIM" "${SHIM_ARGS[@]}" \
		>"$SB/fakemgr.out" 2>"$SB/fakemgr.err" 3>&- || EXEC_RC=$?
	EXEC_OUT=$(cat "$SB/fakemgr.out")
	echo "exec messages: $EXEC_OUT"
	cat "$SB/fakemgr.err"
}

@test "exec: attach message, pid, then the exit code on the sync pipe; exit file named after the container" {
	ctr_run -- sh -c 'while [ ! -e /share/go ]; do sleep 0.05; done'
	exec_args sess1 -- sh -c 'echo from-exec; exit 5'
	exec_run
	[ "$EXEC_RC" -eq 0 ]
	mapfile -t msgs <<<"$EXEC_OUT"
	[ "${msgs[0]}" = '{"data": 0}' ]
	[[ ${msgs[1]} =~ ^\{\"data\":\ [0-9]+\}$ ]]
	[ "${msgs[2]}" = '{"data": 5}' ]
	wait_for test -f "$SEXIT"
	[ "$(cat "$SEXIT")" = 5 ]
	# -l none: exec output is never logged, and the container's log is untouched.
	! grep -q from-exec "$LOGFILE" 2>/dev/null || false
	touch "$B/share/go"
	wait_exit
}

@test "exec: a terminal exec session reports its exit code" {
	ctr_run -- sh -c 'while [ ! -e /share/go ]; do sleep 0.05; done'
	exec_args --tty sess2 -- sh -c '[ -t 0 ] && exit 8; exit 1'
	exec_run
	[ "$EXEC_RC" -eq 0 ]
	[ "$(sed -n 3p <<<"$EXEC_OUT")" = '{"data": 8}' ]
	touch "$B/share/go"
	wait_exit
}

@test "exec: a command that does not exist gives a negative data and the runtime's error" {
	ctr_run -- sh -c 'while [ ! -e /share/go ]; do sleep 0.05; done'
	exec_args sess3 -- /nonexistent
	exec_run
	mapfile -t msgs <<<"$EXEC_OUT"
	[ "${msgs[0]}" = '{"data": 0}' ]
	# -1, or minus a raw wait status when conmon already reaped the process.
	[[ ${msgs[1]} =~ ^\{\"data\":\ -[0-9]+,\ \"message\":\ \".*\"\}$ ]]
	jq -er .message <<<"${msgs[1]}" | grep -Eqi 'no such file or directory|executable file not found'
	touch "$B/share/go"
	wait_exit
}
