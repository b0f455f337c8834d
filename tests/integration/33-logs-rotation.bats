# ptyshim-logs across the shim's own log rotation and truncation. Rotation
# (--log-rotate --log-max-files K, conmon 2.2's flags) renames PATH to
# PATH.1 .. PATH.K; ptyshim-logs must read them back oldest first with no
# line lost or doubled, and -f must stay on the stream while it happens.
# conmon 2.1.6 has no rotation, so those tests skip there; its truncation
# (--log-size-max alone: a new file renamed over PATH) is followed by -f on
# both shims.
bats_require_minimum_version 1.5.0
load lib

LOGS=${LOGS:-$ROOT/bin/ptyshim-logs}

setup() {
	common_setup
	require_root
	require_shim
	[[ -x $LOGS ]] || fail "$LOGS is missing (run make)"
}

teardown() {
	common_teardown
}

require_rotation() {
	"$SHIM" --help 2>&1 | grep -q -- '--log-rotate' ||
		skip "$SHIM does not offer --log-rotate (conmon 2.1.6 only truncates)"
}

# A container printing 1..N, pausing briefly every STEP lines so that a
# follower sees rotations happen while it reads.
paced_seq() {
	echo "i=1; while [ \$i -le $1 ]; do echo \$i; [ \$((i % $2)) = 0 ] && sleep 0.02; i=\$((i + 1)); done"
}

@test "rotation: 1000 lines through rotation with K=3 come back in order, none lost or doubled" {
	require_rotation
	ctr_new -- sh -c 'seq 1 1000'
	# About 49 KB of records in files of at most 15000 bytes: three
	# rotations, so PATH.3 .. PATH hold everything and nothing was dropped.
	SHIM_ARGS+=(--log-size-max 15000 --log-rotate --log-max-files 3)
	shim_create
	check_created
	ctr_start
	wait_exit
	ls -l "$B"
	[ -e "$LOGFILE.3" ]
	[ ! -e "$LOGFILE.4" ]
	local f
	for f in "$LOGFILE" "$LOGFILE".[123]; do
		[ -e "$f" ] && check_log_format "$f"
	done
	"$LOGS" "$LOGFILE" >"$B/out" 2>"$B/err"
	seq 1 1000 | cmp - "$B/out"
	[ ! -s "$B/err" ]
	# --tail reaches back into the rotated files.
	[ "$("$LOGS" --tail 700 "$LOGFILE" | head -1)" = 301 ]
}

@test "rotation: -f follows 1000 lines across a dozen rotations, in order and once each" {
	require_rotation
	ctr_new -- sh -c "$(paced_seq 1000 25)"
	SHIM_ARGS+=(--log-size-max 4000 --log-rotate --log-max-files 20)
	shim_create
	check_created
	wait_for test -e "$LOGFILE"
	"$LOGS" -f --exit-dir "$EXITDIR" --cid "$CID" "$LOGFILE" >"$B/fout" 2>"$B/ferr" &
	local fpid=$!
	ctr_start
	wait_exit
	wait_for -m "ptyshim-logs -f to end" pid_dead "$fpid"
	local rc=0
	wait "$fpid" || rc=$?
	[ "$rc" -eq 0 ]
	ls "$B"
	[ -e "$LOGFILE.10" ]
	seq 1 1000 | cmp - "$B/fout"
	[ ! -s "$B/ferr" ]
	# Read afterwards, the files give the same.
	"$LOGS" "$LOGFILE" | cmp - "$B/fout"
}

@test "rotation: -f keeps every line while --log-size-max alone truncates (conmon 2.1.6 semantics)" {
	ctr_new -- sh -c "$(paced_seq 600 20)"
	SHIM_ARGS+=(--log-size-max 2000)
	shim_create
	check_created
	wait_for test -e "$LOGFILE"
	"$LOGS" -f --exit-dir "$EXITDIR" --cid "$CID" "$LOGFILE" >"$B/fout" 2>"$B/ferr" &
	local fpid=$!
	ctr_start
	wait_exit
	wait_for -m "ptyshim-logs -f to end" pid_dead "$fpid"
	local rc=0
	wait "$fpid" || rc=$?
	[ "$rc" -eq 0 ]
	seq 1 600 | cmp - "$B/fout"
	[ ! -s "$B/ferr" ]
	# The file itself kept only the end: a suffix of the lines, no rotated files.
	[ ! -e "$LOGFILE.1" ]
	"$LOGS" "$LOGFILE" >"$B/out"
	local first
	first=$(head -1 "$B/out")
	((first > 1))
	seq "$first" 600 | cmp - "$B/out"
}
