# Security (issue 8, item 3): who can reach the attach socket and the fifos,
# what a symlink or a fifo planted at the log path does, which fds reach the
# container, the runtime and the exit command, and which signal state the
# children inherit.
bats_require_minimum_version 1.5.0
load lib
load lib-fault

NOBODY_UID=65534
NOBODY_GID=65534

setup() {
	fault_setup
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
}

teardown() {
	fault_teardown
}

# as_nobody CMD...: run CMD as an unprivileged user in no group of ours.
as_nobody() {
	setpriv --reuid=$NOBODY_UID --regid=$NOBODY_GID --clear-groups --inh-caps=-all -- "$@"
}

# allow_traverse DIR: group and others may look up names in DIR and every directory
# above it (not list them), so only the modes of the files themselves decide.
allow_traverse() {
	local d=$1
	while [[ $d != / && $d != /tmp ]]; do
		chmod go+x "$d"
		d=$(dirname "$d")
	done
}

# mode_of PATH: octal permission bits.
mode_of() {
	stat -c %a "$1"
}

@test "security: a non-root user cannot connect to the attach socket nor write to ctl or winsz, whatever the umask" {
	ctr_new -- sh -c 'while [ ! -e /share/go ]; do sleep 0.02; done'
	allow_traverse "$B"
	# The shim must set the modes itself, not trust the manager's umask.
	umask 000
	shim_create
	umask 022
	check_created
	ctr_start
	ls -l "$B"
	run ! as_nobody "$ATTACHPEER" -t 5 "$B/attach" connect
	[[ $output == *"Permission denied"* ]]
	run ! as_nobody sh -c 'echo "1 10 10" >"$1"' sh "$B/ctl"
	[[ $output == *"Permission denied"* ]]
	run ! as_nobody sh -c 'echo "10 10" >"$1"' sh "$B/winsz"
	[[ $output == *"Permission denied"* ]]
	# Nor by being in the shim's group.
	run ! setpriv --reuid=$NOBODY_UID --regid="$(id -g)" --clear-groups -- "$ATTACHPEER" -t 5 "$B/attach" connect
	run ! setpriv --reuid=$NOBODY_UID --regid="$(id -g)" --clear-groups -- sh -c 'echo "1 10 10" >"$1"' sh "$B/ctl"
	run ! setpriv --reuid=$NOBODY_UID --regid="$(id -g)" --clear-groups -- sh -c 'echo "10 10" >"$1"' sh "$B/winsz"
	# Owner only, in the modes too (no read access to the fifos either:
	# a reader would steal the manager's resize lines).
	[ $((0$(mode_of "$B/attach") & 077)) -eq 0 ]
	[ $((0$(mode_of "$B/ctl") & 077)) -eq 0 ]
	[ $((0$(mode_of "$B/winsz") & 077)) -eq 0 ]
	# The control: with the modes opened up, the same user gets through, so
	# it was the modes that kept it out, not the directories.
	chmod 0777 "$B/attach"
	chmod 0666 "$B/ctl"
	as_nobody "$ATTACHPEER" -t 5 "$B/attach" connect
	as_nobody sh -c 'echo "1 10 10" >"$1"' sh "$B/ctl"
	touch "$B/share/go"
	wait_exit
	wait_shim_gone
}

@test "security: a symlink planted at the k8s-file log path is not followed: the shim fails clearly" {
	ctr_new -- sh -c 'echo should-not-run'
	echo precious >"$B/target"
	ln -s "$B/target" "$LOGFILE"
	shim_create -w
	echo "rc $SHIM_RC err: $SHIM_ERR"
	[ "$SHIM_RC" -ne 0 ]
	[[ $SHIM_ERR == *"$LOGFILE"* ]]
	[ "$(cat "$B/target")" = precious ]
	[ -L "$LOGFILE" ]
	[ -z "$(ctr_state)" ]
}

@test "security: a symlink planted at the asciicast log path is not followed: the shim fails clearly" {
	is_ptyshim || skip "asciicast is a ptyshim log driver"
	ctr_new --tty -- sh -c 'echo should-not-run'
	echo precious >"$B/target"
	ln -s "$B/target" "$B/rec.cast"
	LOG_OPTS+=(-l "asciicast:$B/rec.cast")
	shim_create -w
	echo "rc $SHIM_RC err: $SHIM_ERR"
	[ "$SHIM_RC" -ne 0 ]
	[[ $SHIM_ERR == *"$B/rec.cast"* ]]
	[ "$(cat "$B/target")" = precious ]
	[ -z "$(ctr_state)" ]
}

@test "security: a fifo planted at the log path makes the shim fail at once, not hang" {
	ctr_new -- sh -c 'echo should-not-run'
	mkfifo "$LOGFILE"
	FAKEMGR_TIMEOUT=15 shim_create -w
	echo "rc $SHIM_RC err: $SHIM_ERR"
	# 124 is fakemgr's timeout: the shim hung in open(2) on the fifo.
	[ "$SHIM_RC" -ne 124 ]
	[ "$SHIM_RC" -ne 0 ]
	[[ $SHIM_ERR == *"$LOGFILE"* ]]
	[ -z "$(ctr_state)" ]
}

# fd_report FILE: "N TARGET" lines of an `ls -l /proc/X/fd` listing.
fd_report() {
	awk '$9 ~ /^[0-9]+$/ { print $9, $11 }' "$1"
}

@test "security: no fd of the shim leaks into the runtime, the container or the exit command" {
	syslog_capture_start
	ctr_new --tty -- sh -c 'ls -l /proc/1/fd >/share/ctr-fds; grep ^Sig /proc/1/status >/share/ctr-sig
		while [ ! -e /share/go ]; do sleep 0.02; done'
	rtw=$(runtime_wrapper rtwrap <<-'EOF'
		case " $* " in *" create "*) ls -l /proc/self/fd >"$B/rt-fds" ;; esac
	EOF
	)
	set_runtime "$rtw"
	cat >"$B/exitcmd" <<-EOF
		#!/bin/sh
		ls -l /proc/self/fd >"$B/exit-fds"
	EOF
	chmod +x "$B/exitcmd"
	# Everything the shim can hold open: several log drivers, syslog, and
	# (below) clients and ctl writers while the container starts.
	SHIM_ARGS+=(--exit-command "$B/exitcmd" --log-level debug)
	[[ -n $SYSLOG_FILE ]] && SHIM_ARGS+=(--syslog)
	is_ptyshim && LOG_OPTS+=(-l "asciicast:$B/rec.cast")
	shim_create
	check_created
	peer_bg client -t 60 "$B/attach" count
	exec 7>"$B/ctl"
	echo "1 24 80" >&7
	ctr_start
	wait_for -m "container listed its fds" test -s "$B/share/ctr-fds"
	exec 7>&-
	touch "$B/share/go"
	wait_exit
	wait_shim_gone
	echo "runtime:"; cat "$B/rt-fds"
	echo "container:"; cat "$B/share/ctr-fds"
	echo "exit command:"; cat "$B/exit-fds"
	# The runtime: stdin (/dev/null), its stdout and stderr, nothing else
	# (the shim's inherited fds would be passed on too; there are none here),
	# apart from ls's own directory fd.
	[ "$(fd_report "$B/rt-fds" | awk '$1 > 2 && $2 !~ /^\/proc\//' | wc -l)" -eq 0 ]
	# The container: the terminal on 0-2 (busybox sh keeps a copy of it
	# too), and ls's own directory fd.
	[ "$(fd_report "$B/share/ctr-fds" | awk '$1 > 2 && $2 !~ /^\/(proc|dev\/pts)\//' | wc -l)" -eq 0 ]
	# The exit command: 0-2 only.
	[ "$(fd_report "$B/exit-fds" | awk '$1 > 2 && $2 !~ /^\/proc\//' | wc -l)" -eq 0 ]
	# And none of 0-2 is one of the shim's sockets, pipes or log files.
	[ -z "$(fd_report "$B/exit-fds" | grep -E 'socket:|\.log|\.cast|ctl|winsz|attach')" ]
}

@test "security: SIGINT ignored and SIGTERM blocked in the shim's caller do not reach the runtime, the container or the exit command" {
	# sig_of FILE: the SigBlk and SigIgn lines of a /proc/PID/status copy.
	sig_of() { grep -E '^Sig(Blk|Ign):' "$1"; }
	run_one() {
		local tag=$1
		shift
		ctr_new -- sh -c 'grep ^Sig /proc/1/status >/share/ctr-sig; while [ ! -e /share/go ]; do sleep 0.02; done'
		rtw=$(runtime_wrapper rtwrap <<-'EOF'
			case " $* " in *" create "*) grep ^Sig /proc/self/status >"$B/rt-sig" ;; esac
		EOF
		)
		set_runtime "$rtw"
		cat >"$B/exitcmd" <<-EOF
			#!/bin/sh
			grep ^Sig /proc/self/status >"$B/exit-sig"
		EOF
		chmod +x "$B/exitcmd"
		SHIM_ARGS+=(--exit-command "$B/exitcmd")
		"$@" "$FAKEMGR" -t 30 -- "$SHIM" "${SHIM_ARGS[@]}" "${LOG_OPTS[@]}" >"$B/sync" 2>"$B/err" 3>&-
		CTR_PID=$(sed -n 's/^{"data": \([0-9]\+\)}$/\1/p' "$B/sync")
		MON_PID=$(cat "$B/conmon.pid")
		[ -n "$CTR_PID" ] || { cat "$B/sync" "$B/err"; return 1; }
		grep -E '^Sig(Blk|Ign):' "/proc/$MON_PID/status" | sed 's/^/monitor /'
		ctr_start
		wait_for -m "container recorded its signals" test -s "$B/share/ctr-sig"
		touch "$B/share/go"
		wait_exit
		wait_shim_gone
		for f in "$B/rt-sig" "$B/share/ctr-sig" "$B/exit-sig"; do
			sig_of "$f" | sed "s|^|$tag ${f##*/} |"
		done
		sig_of "$B/rt-sig" >"$BATS_TEST_TMPDIR/$tag.rt"
		sig_of "$B/share/ctr-sig" >"$BATS_TEST_TMPDIR/$tag.ctr"
		sig_of "$B/exit-sig" >"$BATS_TEST_TMPDIR/$tag.exit"
	}
	run_one plain
	# The hostile caller: SIGINT ignored (as under nohup or `trap '' INT`)
	# and SIGTERM blocked, both inherited across exec.
	run_one hostile perl -MPOSIX -e '$SIG{INT} = "IGNORE"; sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGTERM)) or die; exec @ARGV or die "exec: $!"'
	for what in rt ctr exit; do
		diff "$BATS_TEST_TMPDIR/plain.$what" "$BATS_TEST_TMPDIR/hostile.$what"
	done
	# And plainly: nothing blocked, SIGINT (bit 2) not ignored.
	for what in rt ctr exit; do
		awk '/^SigBlk:/ { if ($2 !~ /^0+$/) exit 1 }' "$BATS_TEST_TMPDIR/hostile.$what"
		awk '/^SigIgn:/ { v = substr($2, length($2)); if (index("2367abef", v)) exit 1 }' "$BATS_TEST_TMPDIR/hostile.$what"
	done
}
