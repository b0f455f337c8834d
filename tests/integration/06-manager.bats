# The shim and its manager (conmon-interface.md §2): the container must not
# depend on the manager staying alive, and nothing the manager had open may
# reach the container.
bats_require_minimum_version 1.5.0
load lib

setup() {
	common_setup
	require_root
	require_shim
}

# fds_of PID: its open fd numbers, sorted, on one line.
fds_of() {
	ls "/proc/$1/fd" | sort -n | tr '\n' ' ' | sed 's/ $//'
}

@test "manager: killed right after the sync message; the container runs on, is logged and its exit recorded" {
	ctr_new -- sh -c 'echo before; while [ ! -e /share/go ]; do sleep 0.02; done; echo after; exit 5'
	# fakemgr SIGKILLs itself right after printing the sync message.
	shim_create --die
	[ "$SHIM_RC" -eq 137 ]
	[ -n "$CTR_PID" ] || fail "no sync message before the manager died: '$SYNC'"
	pid_alive "$MON_PID"
	# Someone else starts the container (podman would have).
	ctr_start
	wait_for -m "before in the log" log_has "$LOGFILE" stdout F before
	pid_alive "$MON_PID"
	touch "$B/share/go"
	wait_exit
	[ "$EXIT_CODE" = 5 ]
	log_has "$LOGFILE" stdout F after
	wait_shim_gone
}

@test "manager: no fd of the manager leaks into the container (pipe mode)" {
	ctr_new -- sh -c 'ls -l /proc/1/fd; echo listed; while [ ! -e /share/go ]; do sleep 0.02; done'
	shim_create -f "7:$B/leak7" -f "12:$B/leak12"
	check_created
	ctr_start
	wait_for -m "listing in the log" log_has "$LOGFILE" stdout F listed
	log_content "$LOGFILE" stdout
	# Inside: pid 1 has stdin, stdout, stderr and nothing else.
	[ -z "$(log_content "$LOGFILE" stdout | awk '$9 ~ /^[0-9]+$/ && $9 >= 3')" ]
	! grep -q leak "$LOGFILE" || false
	# Outside, the same process.
	[ "$(fds_of "$CTR_PID")" = "0 1 2" ]
	! ls -l "/proc/$CTR_PID/fd" | grep -q 'leak\|socket' || false
	touch "$B/share/go"
	wait_exit
}

@test "manager: no fd of the manager leaks into the container (terminal mode)" {
	ctr_new --tty -- sh -c 'ls -l /proc/1/fd; echo listed; while [ ! -e /share/go ]; do sleep 0.02; done'
	shim_create -f "7:$B/leak7" -f "12:$B/leak12"
	check_created
	ctr_start
	wait_for -m "listing in the log" log_has "$LOGFILE" stdout F $'listed\r'
	log_content "$LOGFILE" stdout
	[ -z "$(log_content "$LOGFILE" stdout | tr -d '\r' | awk '$9 ~ /^[0-9]+$/ && $9 >= 3')" ]
	! grep -q leak "$LOGFILE" || false
	[ "$(fds_of "$CTR_PID")" = "0 1 2" ]
	# All three on the terminal.
	local fd
	for fd in 0 1 2; do
		[[ $(readlink "/proc/$CTR_PID/fd/$fd") == /dev/pts/* ]]
	done
	touch "$B/share/go"
	wait_exit
}

@test "manager: inherited fds are held while the container runs and closed before the exit file" {
	# Held: podman's port reservations are inherited fds the shim must keep
	# until the container exits; closed before the exit file, so a restart
	# can bind the port again.
	ctr_new -- sh -c 'while [ ! -e /share/go ]; do sleep 0.02; done'
	# An exit command that blocks keeps the monitor alive after the exit file.
	cat >"$B/exitcmd" <<-EOF
		#!/bin/sh
		while [ ! -e "$B/go2" ]; do sleep 0.02; done
	EOF
	chmod +x "$B/exitcmd"
	SHIM_ARGS+=(--exit-command "$B/exitcmd")
	shim_create -f "7:$B/port-reservation"
	check_created
	ls -l "/proc/$MON_PID/fd"
	ls -l "/proc/$MON_PID/fd" | grep -q "$B/port-reservation"
	ctr_start
	touch "$B/share/go"
	wait_exit
	wait_for -m "exit command running" test -n "$(_pids_with_cid "$B/exitcmd")"
	pid_alive "$MON_PID"
	ls -l "/proc/$MON_PID/fd"
	! ls -l "/proc/$MON_PID/fd" | grep -q "$B/port-reservation" || false
	touch "$B/go2"
	wait_shim_gone
}
