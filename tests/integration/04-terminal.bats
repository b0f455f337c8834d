# Terminal mode (-t): the runtime hands the PTY master over the console
# socket; everything the container prints is one stdout stream, with ONLCR
# making line ends "\r\n" (conmon-interface.md §3.3, §6.1 TTY).
bats_require_minimum_version 1.5.0
load lib

setup() {
	common_setup
	require_root
	require_shim
}

@test "terminal: output is logged in the exact format with \\r\\n line ends" {
	ctr_run --tty -- sh -c 'echo hello; echo world'
	wait_exit
	[ "$EXIT_CODE" = 0 ]
	check_log_format "$LOGFILE"
	cat -A "$LOGFILE"
	log_has "$LOGFILE" stdout F $'hello\r'
	log_has "$LOGFILE" stdout F $'world\r'
	[ "$(log_content "$LOGFILE")" = $'hello\r\nworld\r' ]
	# One stream only.
	! grep -q ' stderr ' "$LOGFILE" || false
}

@test "terminal: the container has a real terminal on stdin, stdout and stderr" {
	ctr_run --tty -- sh -c '[ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-tty; tty; echo to-stderr >&2'
	wait_exit
	[ "$EXIT_CODE" = 0 ]
	log_has "$LOGFILE" stdout F $'all-tty\r'
	log_records "$LOGFILE" | grep -qx $'stdout F /dev/pts/[0-9]*\r'
	# stderr goes to the same terminal, so it is logged as stdout.
	log_has "$LOGFILE" stdout F $'to-stderr\r'
}

@test "terminal: exit status of a terminal container" {
	ctr_run --tty -- sh -c 'exit 5'
	wait_exit
	[ "$EXIT_CODE" = 5 ]
}

@test "terminal: output written just before exit is drained (EIO at the end is not data loss)" {
	ctr_run --tty -- sh -c 'seq 1 20000; printf "prompt> "'
	wait_exit
	check_log_format "$LOGFILE"
	[ "$(log_content "$LOGFILE")" = "$(seq 1 20000 | sed 's/$/\r/'; printf 'prompt> ')" ]
	# The unterminated last line stays a P record.
	[ "$(tail -1 "$LOGFILE" | cut -d' ' -f2-)" = "stdout P prompt> " ]
}

@test "terminal: no busy loop once the container has closed its terminal" {
	ctr_run --tty -- sh -c 'echo ready; exec </dev/null >/dev/null 2>&1; while [ ! -e /share/go ]; do sleep 0.05; done; exit 6'
	wait_for -m "ready in the log" log_has "$LOGFILE" stdout F $'ready\r'
	# Nobody holds the PTY slave any more: the master reports EIO/HUP.
	wait_for -m "container stdio on /dev/null" \
		test "$(readlink "/proc/$CTR_PID/fd/1" 2>/dev/null)" = /dev/null
	# CPU time of the monitor across a one-second window. This is a resource
	# measurement, not synchronization: an idle shim uses ~0 ticks, one that
	# spins on EIO/HUP uses about 100 per second.
	local t0 t1 clk
	clk=$(getconf CLK_TCK)
	t0=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$MON_PID/stat")
	sleep 1
	t1=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$MON_PID/stat")
	echo "monitor used $((t1 - t0)) ticks of $clk in 1 s"
	[ $((t1 - t0)) -lt $((clk / 5)) ]
	# And it still notices the exit.
	touch "$B/share/go"
	wait_exit
	[ "$EXIT_CODE" = 6 ]
}

@test "terminal: a container that outlives its terminal output keeps being monitored" {
	# Output, a pause, more output: the PTY is read again after going idle.
	ctr_run --tty -- sh -c 'echo first; while [ ! -e /share/go ]; do sleep 0.02; done; echo second'
	wait_for -m "first in the log" log_has "$LOGFILE" stdout F $'first\r'
	touch "$B/share/go"
	wait_exit
	log_has "$LOGFILE" stdout F $'second\r'
}
