# Paths (issue 8, item 2): a bundle whose attach socket path does not fit in
# sockaddr_un (108 bytes), and a bundle that already has an `attach` (and
# fifos) from an earlier run of the container.
bats_require_minimum_version 1.5.0
load lib
load lib-fault

setup() {
	fault_setup
}

teardown() {
	fault_teardown
}

# ctr_new_at DIR [ctr_new args]: ctr_new, then move the bundle to DIR.
ctr_new_at() {
	local dir=$1
	shift
	ctr_new "$@" || return 1
	mkdir -p "$(dirname "$dir")"
	mv "$B" "$dir"
	# The bind mount source in config.json names the old place.
	jq --arg old "$B/share" --arg new "$dir/share" \
		'.mounts |= map(if .source == $old then .source = $new else . end)' \
		"$dir/config.json" >"$dir/config.json.tmp"
	mv "$dir/config.json.tmp" "$dir/config.json"
	local old=$B
	B=$dir
	EXITDIR=$B/exits
	EXITFILE=$EXITDIR/$CID
	LOGFILE=$B/ctr.log
	LOG_OPTS=(-l "k8s-file:$LOGFILE")
	local i
	for ((i = 0; i < ${#SHIM_ARGS[@]}; i++)); do
		SHIM_ARGS[i]=${SHIM_ARGS[i]//"$old"/"$B"}
	done
}

@test "paths: a bundle path longer than sockaddr_un: attach, ctl and exit all work" {
	local long=$BATS_TEST_TMPDIR/$(printf 'd%.0s' {1..60})/$(printf 'e%.0s' {1..60})/bundle
	ctr_new_at "$long" -- sh -c 'echo started; while [ ! -e /share/go ]; do sleep 0.02; done; echo bye; exit 2'
	(( ${#B} + 7 > 108 ))
	echo "attach path: ${#B} + 7 bytes"
	shim_create
	check_created
	[ -S "$B/attach" ]
	base=$(mon_sockets "$MON_PID")
	# A client reaches it (through /proc/self/fd, like the shim) and sees
	# the whole output.
	peer_bg client -t 30 -w "$B/client.data" "$B/attach" count
	wait_for -m "client connected" sockets_ge "$MON_PID" $((base + 1))
	ctr_start
	wait_for -m "started in the log" log_has "$LOGFILE" stdout F started
	echo "1 40 100" >"$B/ctl"
	touch "$B/share/go"
	wait_exit
	[ "$EXIT_CODE" = 2 ]
	wait_for pid_dead "$PEER_PID"
	[ "$(cat "$B/client.data")" = "$(printf 'started\nbye')" ]
	wait_shim_gone
	[ ! -e "$B/attach" ]
}

@test "paths: a bundle path longer than sockaddr_un, terminal mode: resize applied, attach works" {
	local long=$BATS_TEST_TMPDIR/$(printf 'f%.0s' {1..70})/$(printf 'g%.0s' {1..50})/bundle
	ctr_new_at "$long" --tty -- sh -c 'while [ ! -e /share/go ]; do stty size >/share/size.tmp 2>/dev/null && mv /share/size.tmp /share/size; sleep 0.02; done'
	shim_create
	check_created
	ctr_start
	echo "1 41 101" >"$B/ctl"
	wait_for -m "resize applied" grep -qx "41 101" "$B/share/size"
	"$ATTACHPEER" -t 20 "$B/attach" connect
	touch "$B/share/go"
	wait_exit
	wait_shim_gone
}

@test "paths: a bundle whose attach, ctl and winsz exist from an earlier run: replaced, and they work" {
	ctr_new -- sh -c 'echo hi; while [ ! -e /share/go ]; do sleep 0.02; done; echo bye'
	# What a crashed earlier shim leaves: a dead socket, stale fifos.
	socat UNIX-LISTEN:"$B/attach",type=5 /dev/null &
	sp=$!
	bg_track "$sp"
	wait_for -m "old socket" test -S "$B/attach"
	kill -KILL "$sp"
	wait_for pid_dead "$sp"
	[ -S "$B/attach" ]
	# Dead: nobody listens on it.
	run ! "$ATTACHPEER" -t 5 "$B/attach" connect
	[[ $output == *"Connection refused"* ]]
	echo stale >"$B/ctl"
	mkfifo "$B/winsz"
	shim_create
	check_created
	[ -S "$B/attach" ]
	[ -p "$B/ctl" ]
	[ -p "$B/winsz" ]
	base=$(mon_sockets "$MON_PID")
	peer_bg client -t 30 -w "$B/client.data" "$B/attach" count
	wait_for -m "client connected" sockets_ge "$MON_PID" $((base + 1))
	ctr_start
	wait_for -m "hi in the log" log_has "$LOGFILE" stdout F hi
	echo "1 30 90" >"$B/ctl"
	echo "31 91" >"$B/winsz"
	touch "$B/share/go"
	wait_exit
	wait_for pid_dead "$PEER_PID"
	[ "$(cat "$B/client.data")" = "$(printf 'hi\nbye')" ]
	wait_shim_gone
}

@test "paths: a directory where the attach socket goes: a clear error, no hang" {
	ctr_new -- sh -c 'exit 0'
	mkdir "$B/attach"
	touch "$B/attach/keep"
	shim_create -w
	echo "rc $SHIM_RC sync '$SYNC' err '$SHIM_ERR'"
	[ "$SHIM_RC" -ne 0 ]
	[[ $SYNC == '{"data": -1, "message": "'*attach*'"}' ]]
	[ -e "$B/attach/keep" ]
	[ -z "$(ctr_state)" ]
}
