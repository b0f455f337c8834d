# The log on a full file system (issue 8, item 2): the container is never
# blocked by the log, what cannot be written is counted and reported, the
# file holds only whole records, logging resumes as soon as space returns,
# and the exit file is written whatever the log's state.
bats_require_minimum_version 1.5.0
load lib
load lib-fault

setup() {
	fault_setup
	LOGFS=""
}

teardown() {
	fault_teardown
	if [[ -n $LOGFS ]]; then
		umount "$LOGFS" 2>/dev/null || umount -l "$LOGFS" 2>/dev/null || true
	fi
}

# fill DIR NAME: fill the file system of DIR to the last byte with DIR/NAME.
fill() {
	dd if=/dev/zero of="$1/$2" bs=4k 2>/dev/null || true
	# dd stops at the first short block; top up byte-wise blocks too.
	dd if=/dev/zero of="$1/$2" bs=1 oflag=append conv=notrunc 2>/dev/null || true
	[ "$(df --output=avail -B1 "$1" | tail -1)" -eq 0 ]
}

@test "disk: log on a full tmpfs: container not blocked, loss reported, whole records only, logging resumes" {
	ctr_new -- sh -c '
		i=0; while [ $i -lt 300 ]; do echo "lost-a $i"; i=$((i+1)); done
		echo A-MARK
		touch /share/a-done
		while [ ! -e /share/go1 ]; do sleep 0.02; done
		i=0; while [ $i -lt 50 ]; do echo "kept $i"; i=$((i+1)); done
		touch /share/b-done
		while [ ! -e /share/go2 ]; do sleep 0.02; done
		head -c 3000000 /dev/zero | tr "\0" y; echo
		touch /share/c-done
		exit 3'
	LOGFS=$B/logfs
	mkdir -p "$LOGFS"
	mount -t tmpfs -o size=1m,mode=0700 ptyshim-test "$LOGFS"
	LOGFILE=$LOGFS/ctr.log
	LOG_OPTS=(-l "k8s-file:$LOGFILE")
	syslog_capture_start
	[[ -n $SYSLOG_FILE ]] && SHIM_ARGS+=(--syslog)
	shim_create
	check_created
	fill "$LOGFS" filler
	# A client sees the mark only after the shim has handled (tried to log)
	# every byte before it: the clients come after the log.
	base=$(mon_sockets "$MON_PID")
	peer_bg mark -t 60 "$B/attach" expect A-MARK
	mark=$PEER_PID
	wait_for -m "the client is connected" sockets_ge "$MON_PID" $((base + 1))
	ctr_start
	# Phase A: nothing fits, and the container does not wait for the log.
	wait_for -m "phase A printed" test -e "$B/share/a-done"
	wait_for -m "the shim handled phase A" pid_dead "$mark"
	wait "$mark"
	[ ! -s "$LOGFILE" ]
	# Phase B: space is back, logging resumes.
	rm "$LOGFS/filler"
	touch "$B/share/go1"
	wait_for -m "phase B logged" log_has "$LOGFILE" stdout F "kept 49"
	# Phase C: full again, in the middle of a page the log file already
	# owns, so writes come back short before they fail.
	fill "$LOGFS" filler2
	touch "$B/share/go2"
	wait_for -m "phase C printed" test -e "$B/share/c-done"
	wait_exit
	[ "$EXIT_CODE" = 3 ]
	wait_shim_gone
	# Only whole records; phase B complete and in order.
	check_log_format "$LOGFILE"
	[ "$(log_content "$LOGFILE" stdout | grep -c '^kept ')" -eq 50 ]
	log_content "$LOGFILE" stdout | grep '^kept ' | awk '$2 != NR - 1 { exit 1 }'
	run ! grep -q lost-a "$LOGFILE"
	# Whatever of phase C got in is whole 'y' records.
	[ -z "$(log_content "$LOGFILE" stdout | grep -v '^kept ' | tr -d 'y\n')" ]
	if [[ -n $SYSLOG_FILE ]]; then
		cat "$SYSLOG_FILE"
		grep -q "$LOGFILE.*No space left on device" "$SYSLOG_FILE"
		grep -Eq "$LOGFILE: [1-9][0-9]* bytes of output could not be written" "$SYSLOG_FILE"
	else
		echo "# syslog not captured (/dev/log is taken or socat missing): the loss report is not checked" >&3
	fi
}

@test "disk: log file system full from the start to the end: the exit file is still written, promptly" {
	ctr_new -- sh -c 'i=0; while [ $i -lt 2000 ]; do echo "line $i"; i=$((i+1)); done; exit 4'
	LOGFS=$B/logfs
	mkdir -p "$LOGFS"
	mount -t tmpfs -o size=256k,mode=0700 ptyshim-test "$LOGFS"
	LOGFILE=$LOGFS/ctr.log
	LOG_OPTS=(-l "k8s-file:$LOGFILE")
	shim_create
	check_created
	fill "$LOGFS" filler
	ctr_start
	wait_exit
	[ "$EXIT_CODE" = 4 ]
	wait_shim_gone
	[ ! -s "$LOGFILE" ]
}

@test "disk: rotation on a file system that runs full: every file holds whole records only (conmon#563)" {
	# 100-byte lines, numbered, so any torn or reordered record shows.
	ctr_new -- sh -c 'i=0; pad=$(head -c 80 /dev/zero | tr "\0" r)
		while [ $i -lt 12000 ]; do echo "line $i $pad"; i=$((i+1)); done; exit 0'
	LOGFS=$B/logfs
	mkdir -p "$LOGFS"
	mount -t tmpfs -o size=512k,mode=0700 ptyshim-test "$LOGFS"
	LOGFILE=$LOGFS/ctr.log
	LOG_OPTS=(-l "k8s-file:$LOGFILE")
	SHIM_ARGS+=(--log-size-max 100000 --log-rotate --log-max-files 3)
	shim_create
	check_created
	# 4 files of up to 100 kB and this do not fit in 512 kB.
	head -c 200000 /dev/zero >"$LOGFS/filler"
	ctr_start
	wait_exit 60
	[ "$EXIT_CODE" = 0 ]
	wait_shim_gone
	ls -l "$LOGFS"
	for f in "$LOGFILE"*; do echo "$f: $(log_content "$f" stdout | head -1 | cut -c1-12) .. $(log_content "$f" stdout | tail -1 | cut -c1-12)"; done
	local f files=()
	for f in "$LOGFILE".3 "$LOGFILE".2 "$LOGFILE".1 "$LOGFILE"; do
		[[ -s $f ]] || continue
		files+=("$f")
		check_log_format "$f"
		# Whole lines only, each exactly as printed.
		[ -z "$(log_content "$f" stdout | grep -Ev '^line [0-9]+ r{80}$')" ]
	done
	((${#files[@]} >= 2))
	# Oldest to newest, the numbers only go up.
	for f in "${files[@]}"; do log_content "$f" stdout; done | awk '$2 <= last && NR > 1 { print "out of order:", $2, "after", last; exit 1 } { last = $2 }'
}
