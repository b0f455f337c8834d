# lib-journald.bash: a systemd-journald for 35-journald.bats, and reading a
# container's entries back (on top of lib.bash).
#
# These machines (and CI) run no systemd: journald runs standalone as root
# and binds its own sockets in /run/systemd/journal. A journald that is
# already running is used as it is and never stopped, stalled or killed
# here (the tests that must do that to journald skip). Otherwise
# jd_setup_file starts one, and only that one is ever signalled, by its
# pid; jd_teardown_file stops it and removes the directories it created.

JD_BIN=/lib/systemd/systemd-journald
JD_DIR=/run/systemd/journal
JD_SOCKET=$JD_DIR/socket
JD_STATE=$BATS_RUN_TMPDIR/journald

# Why journald cannot be used here, if it cannot.
jd_why_not() {
	if [[ $(id -u) != 0 ]]; then
		echo "needs root to run systemd-journald"
	elif [[ ! -x $JD_BIN ]]; then
		echo "$JD_BIN is not installed (package systemd)"
	elif ! command -v journalctl >/dev/null || ! command -v jq >/dev/null; then
		echo "journalctl or jq is missing"
	fi
}

jd_setup_file() {
	mkdir -p "$JD_STATE"
	local why
	why=$(jd_why_not)
	if [[ -n $why ]]; then
		echo "$why" >"$JD_STATE/skip"
		return 0
	fi
	if [[ -n $(pgrep -x systemd-journal) ]]; then
		echo foreign >"$JD_STATE/foreign"
		return 0
	fi
	[[ -e $JD_DIR ]] || touch "$JD_STATE/made-socket-dir"
	[[ -e /run/log ]] || touch "$JD_STATE/made-log-dir"
	jd_start
}

# jd_start: our own journald (none runs: a socket left there is ours, dead).
# It gets none of the test's fds: bats waits for whoever holds fd 3, and fd 8
# is lib-fault's /dev/log lock, which a journald started in a teardown would
# otherwise hold for good.
jd_start() {
	rm -f "$JD_SOCKET"
	mkdir -p "$JD_DIR"
	"$JD_BIN" </dev/null >>"$JD_STATE/journald.out" 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
	echo $! >"$JD_STATE/pid"
	wait_for -t 10 -m "journald's socket $JD_SOCKET" test -S "$JD_SOCKET"
}

jd_pid() {
	cat "$JD_STATE/pid" 2>/dev/null
}

jd_own() {
	[[ -f $JD_STATE/pid && ! -f $JD_STATE/foreign ]]
}

# jd_need: skip unless a journald is there to log to.
jd_need() {
	[[ ! -f $JD_STATE/skip ]] || skip "$(cat "$JD_STATE/skip")"
	jd_own || [[ -f $JD_STATE/foreign ]] || skip "journald could not be started"
}

# jd_need_own: skip unless the journald is ours to stop and stall.
jd_need_own() {
	jd_need
	jd_own || skip "a journald these tests did not start is running: it is not stopped or stalled here"
}

jd_stopped() {
	[[ $(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) == T ]]
}

# jd_down: our journald gone and its socket with it.
jd_down() {
	local pid
	pid=$(jd_pid)
	kill -CONT "$pid" 2>/dev/null || true
	kill -TERM "$pid" 2>/dev/null || true
	wait_for -t 10 pid_dead "$pid" || kill -KILL "$pid" 2>/dev/null || true
	wait_for -t 5 pid_dead "$pid"
	rm -f "$JD_SOCKET"
}

# jd_restore (teardown): our journald running again, whatever a test did.
jd_restore() {
	jd_own || return 0
	local pid
	pid=$(jd_pid)
	if pid_alive "$pid"; then
		jd_stopped "$pid" && kill -CONT "$pid"
		return 0
	fi
	jd_start
}

jd_teardown_file() {
	if jd_own; then
		local pid
		pid=$(jd_pid)
		kill -CONT "$pid" 2>/dev/null || true
		kill -TERM "$pid" 2>/dev/null || true
		wait_for -t 10 pid_dead "$pid" || kill -KILL "$pid" 2>/dev/null || true
		rm -f "$JD_STATE/pid"
		[[ -f $JD_STATE/made-socket-dir ]] && rm -rf "$JD_DIR"
		[[ -f $JD_STATE/made-log-dir ]] && rm -rf /run/log
	fi
	rm -rf "$JD_STATE"
}

# ------------------------------------------------------------ reading

# jrn_json ID: the entries of container ID (CONTAINER_ID_FULL), one JSON
# object a line, every field whole (-a).
jrn_json() {
	journalctl -a -o json --no-pager CONTAINER_ID_FULL="$1"
}

# jq: MESSAGE as text (journalctl gives a byte array for anything that is
# not printable UTF-8, e.g. a terminal's "\r\n").
JRN_MSG='(.MESSAGE | if type == "array" then implode else . end)'

jrn_count() {
	jrn_json "$1" | wc -l
}

jrn_has_count() {
	(($(jrn_count "$1") >= $2))
}

# jrn_wait ID N: until N entries of ID are in the journal.
jrn_wait() {
	wait_for -t "${3:-10}" -m "$2 journal entries of $1" jrn_has_count "$1" "$2"
}

# jrn_entries ID: "PRIORITY PARTIAL LENGTH MESSAGE" an entry, the message as a
# JSON string cut to 40 characters, PARTIAL "-" when the field is absent.
jrn_entries() {
	jrn_json "$1" | jq -r "[.PRIORITY, (.CONTAINER_PARTIAL_MESSAGE // \"-\"), ($JRN_MSG | length),
		($JRN_MSG | .[0:40] | @json)] | join(\" \")"
}

# jrn_values ID FIELD: the distinct values of FIELD over the entries of ID
# ("(none)" for an entry without it).
jrn_values() {
	jrn_json "$1" | jq -r ".$2 // \"(none)\"" | sort -u
}

# jrn_stream ID PRIORITY: the bytes of the entries of that priority, in order.
jrn_stream() {
	jrn_json "$1" | jq -j --arg p "$2" "select(.PRIORITY == \$p) | $JRN_MSG"
}

# jrn_dump ID DIR (pm_log_dump, for the compare scenarios): the entries
# modulo read boundaries: each stream's bytes, and what every entry carries
# (short id right, name, identifier, tag, priority, partial exactly when
# there is no newline at the end, not over 16384 bytes).
jrn_dump() {
	local id=$1 d=$2
	jrn_stream "$id" 6 >"$d/journal.stdout"
	jrn_stream "$id" 3 >"$d/journal.stderr"
	jrn_json "$id" | jq -r --arg id "$id" "[(.CONTAINER_ID == \$id[0:12]), .CONTAINER_NAME, .SYSLOG_IDENTIFIER,
		(.CONTAINER_TAG // \"-\"), .PRIORITY,
		(($JRN_MSG | endswith(\"\\n\")) != (.CONTAINER_PARTIAL_MESSAGE == \"true\")),
		($JRN_MSG | length <= 16384)] | @tsv" | sort -u >"$d/journal.fields"
}
