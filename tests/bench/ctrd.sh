# ctrd.sh: run.sh's ctrd group (issue 14), sourced by run.sh. ptyshim's
# containerd shim (containerd-shim-ptyshim-v1, runtime io.containerd.ptyshim.v1)
# against containerd's own Go shim (containerd-shim-runc-v2, runtime
# io.containerd.runc.v2), both driven through `ctr` by one private containerd,
# side by side in one run:
#   idle-pipe, idle-tty  memory of one idle shim (a `sleep` container)
#   rm-pipe, rm-tty      wall time of `ctr run --rm ... true`
#   many                 the shims of CTRD_N idle containers per runtime, summed
#
# Uses run.sh's WORK (its tmpfs), RUNS, QUICK, ROOT and helpers (say, nap,
# new_id, rotated, record, fail, note_cmd; st, rt, med, verdict in the report).
#
# containerd's root, state, sockets, the FIFOs ctr makes and the image's podman
# storage all live under $WORK/ctrd. Outside it is only what the shims place
# themselves: their ttrpc sockets in /run/containerd/s (named by a hash of our
# socket's path, so unique) and runc's state and cgroups under the namespace
# $CTRD_NS, where run.sh's pid in every container id keeps two runs apart;
# the cleanup removes the namespace's directories there once they are empty.

CTRD_NS=ptyshim-bench
CTRD_N=${BENCH_CTRD_N:-$((QUICK ? 3 : 10))}
CTRD_SETTLE_S=${BENCH_CTRD_SETTLE_S:-2}
CTRD_SHIM=${CTRD_SHIM:-$ROOT/bin/containerd-shim-ptyshim-v1}
CTRD_IMAGE=localhost/ptyshim-bench-busybox:latest
CTRD_SUBJECTS=(runc-v2 ptyshim)
CTRD_DIR=""
CTRD_SOCK=""
CTRD_PID=""
CTRD_SKIP=""

ctrd_runtime() {
	case $1 in
	runc-v2) echo io.containerd.runc.v2 ;;
	ptyshim) echo io.containerd.ptyshim.v1 ;;
	esac
}

ctrc() { timeout -k 5 60 ctr -a "$CTRD_SOCK" -n "$CTRD_NS" "$@"; }

# Why the group cannot run here, if it cannot.
ctrd_why_not() {
	local t
	for t in containerd ctr containerd-shim-runc-v2 podman script; do
		command -v "$t" >/dev/null || { echo "$t is not installed"; return; }
	done
	if [ ! -x "$CTRD_SHIM" ]; then
		echo "$CTRD_SHIM missing (run make)"
	elif ldd "$CTRD_SHIM" 2>/dev/null | grep -qE 'lib(a|ub|t)san'; then
		# make SANITIZE=1 also writes bin/; its memory would say nothing.
		echo "$CTRD_SHIM is a sanitizer build (run make)"
	elif [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
		echo "needs busybox-static at /bin/busybox for the image"
	fi
}

ctrd_setup() {
	CTRD_SKIP=$(ctrd_why_not)
	[ -z "$CTRD_SKIP" ] || return 1
	CTRD_DIR=$WORK/ctrd
	CTRD_SOCK=$CTRD_DIR/containerd.sock
	local d=$CTRD_DIR i
	mkdir -p "$d/bin" "$d/fifo" "$d/pid"
	# containerd finds a runtime's shim by name on its PATH. Both shims run
	# from copies of our own: PSS splits a file's pages between all the
	# processes that map it, and another containerd on this machine (other
	# engineers run theirs) may be running shims of /usr/bin's runc-v2,
	# which would lower the reference's PSS by a share nobody controls.
	cp "$CTRD_SHIM" "$d/bin/containerd-shim-ptyshim-v1"
	cp "$(command -v containerd-shim-runc-v2)" "$d/bin/containerd-shim-runc-v2"
	printf '%s\n' 'version = 2' "root = \"$d/root\"" "state = \"$d/state\"" \
		'disabled_plugins = ["io.containerd.grpc.v1.cri"]' \
		'[grpc]' "  address = \"$CTRD_SOCK\"" '[ttrpc]' "  address = \"$CTRD_SOCK.ttrpc\"" >"$d/config.toml"
	# Its own session: a ^C to the bench must not stop containerd before
	# the cleanup has deleted the tasks through it. setsid forks only when
	# it leads a process group, which a background child of a script does
	# not: $! is containerd's pid (checked below, as it is killed by it).
	PATH=$d/bin:$PATH setsid containerd --config "$d/config.toml" >"$d/containerd.log" 2>&1 &
	CTRD_PID=$!
	for ((i = 0; i < 100; i++)); do
		ctrc version >/dev/null 2>&1 && break
		kill -0 "$CTRD_PID" 2>/dev/null || break
		nap 0.1
	done
	if ! ctrc version >/dev/null 2>&1; then
		CTRD_SKIP="containerd did not start: $(tail -n 3 "$d/containerd.log" | tr '\n' ' ')"
		return 1
	fi
	if [ "$(readlink "/proc/$CTRD_PID/exe")" != "$(readlink -f "$(command -v containerd)")" ]; then
		CTRD_SKIP="containerd's pid is not $CTRD_PID (setsid forked?); stop it by hand: $d/config.toml"
		CTRD_PID=""
		return 1
	fi
	ctrd_image || return 1
}

# The image, offline as tests/integration/lib-containerd.bash makes it
# (lib-podman.bash's pm_oci_archive, sourced in a subshell so nothing else of
# the test library comes along), then ctr images import.
ctrd_image() {
	local cdir=$CTRD_DIR out
	out=$(
		# shellcheck disable=SC2034 # read by lib-podman.bash as it is sourced
		BATS_TEST_DIRNAME=$ROOT/tests/integration
		# shellcheck source-path=SCRIPTDIR source=../integration/lib-podman.bash
		. "$ROOT/tests/integration/lib-podman.bash"
		pm_oci_archive "$cdir" "$CTRD_IMAGE" '["/bin/sh"]'
	) && out=$(ctrc images import "$cdir/image.tar" 2>&1) ||
		{ CTRD_SKIP="image: $(echo "$out" | tail -n 3 | tr '\n' ' ')"; return 1; }
	rm -f "$cdir/image.tar"
}

# ctrd_run_cmd SUBJECT MODE(pipe|tty) ID [ctr run options] -- COMMAND...: sets
# CMD to the ctr command line, and CMD_TEXT to it as the report shows it; a
# tty one runs under script, because ctr -t wants a terminal on its stdin even
# when it detaches.
ctrd_run_cmd() {
	local s=$1 mode=$2 id=$3 opts=()
	shift 3
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	[ "$mode" = tty ] && opts+=(-t)
	CMD=(ctr -a "$CTRD_SOCK" -n "$CTRD_NS" run "${opts[@]}" --fifo-dir "$CTRD_DIR/fifo"
		--runtime "$(ctrd_runtime "$s")" "$CTRD_IMAGE" "$id" "$@")
	CMD_TEXT="${CMD[*]}"
	if [ "$mode" = tty ]; then
		local line
		line=$(printf '%q ' "${CMD[@]}")
		CMD=(script -qec "${line% }" /dev/null)
		CMD_TEXT="script -qec \"${line% }\" /dev/null"
	fi
	return 0
}

# The shim's pid = the parent of the container's init (both shims are the
# subreaper of their container), checked against its `-id ID` argument.
ctrd_shim_of() { # ID -> pid, or nothing
	local id=$1 init ppid
	init=$(cat "$CTRD_DIR/pid/$id" 2>/dev/null) || return 1
	ppid=$(awk '/^PPid:/ { print $2 }' "/proc/$init/status" 2>/dev/null)
	[ -n "$ppid" ] && tr '\0' ' ' 2>/dev/null <"/proc/$ppid/cmdline" | grep -qF -- " -id $id " || return 1
	echo "$ppid"
}

# ctrd_start SUBJECT MODE ID CASE: a detached `sleep` container; sets SPID.
ctrd_start() {
	local s=$1 mode=$2 id=$3 cs=$4 out
	SPID=""
	ctrd_run_cmd "$s" "$mode" "$id" -d --pid-file "$CTRD_DIR/pid/$id" -- sleep 100000
	note_cmd "ctrd/run-d-$mode/$s" "$CMD_TEXT"
	if ! out=$(timeout -k 5 60 "${CMD[@]}" </dev/null 2>&1); then
		fail ctrd "$cs" "$s" "ctr run -d: $out"
		ctrd_stop "$id"
		return 1
	fi
	SPID=$(ctrd_shim_of "$id") || {
		fail ctrd "$cs" "$s" "no shim found as the parent of container $id's init"
		ctrd_stop "$id"
		return 1
	}
}

ctrd_stop() { # ID...
	local id
	for id in "$@"; do
		ctrc tasks delete -f "$id" >/dev/null 2>&1
		ctrc containers rm "$id" >/dev/null 2>&1
		rm -f "$CTRD_DIR/pid/$id"
	done
	return 0
}

# Wait until the shims have exited: a shim of the same binary still alive
# would share its pages with, and so lower the PSS of, the next one measured.
ctrd_wait_gone() { # PID...
	local p t
	for p in "$@"; do
		for ((t = 0; t < 50; t++)); do
			tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -qF -- " -address $CTRD_SOCK " || break
			nap 0.1
		done
	done
	return 0
}

ctrd_mem() { # PID -> key=value lines (kB)
	local exe
	awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 } /^Private_(Clean|Dirty):/ { u += $2 } /^Anonymous:/ { a = $2 }
		END { printf "rss_kb=%d\npss_kb=%d\nuss_kb=%d\nanon_kb=%d\n", r, p, u, a }' "/proc/$1/smaps_rollup"
	awk '/^Threads:/ { print "threads=" $2 }' "/proc/$1/status"
	echo "fds=$(find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l)"
	# PSS splits a file's pages between all the processes that map it: how
	# many ran this binary at that moment (this shim included).
	exe=$(readlink "/proc/$1/exe")
	echo "exe_procs=$(find /proc/[0-9]*/exe -maxdepth 0 -lname "$exe" 2>/dev/null | wc -l)"
}

# One idle shim per runtime and mode, round by round.
ctrd_idle() {
	local r mode s i ids pids subjs
	for ((r = 1; r <= RUNS; r++)); do
		for mode in pipe tty; do
			ids=() pids=() subjs=()
			for s in $(rotated "$r" "${CTRD_SUBJECTS[@]}"); do
				new_id
				ctrd_start "$s" "$mode" "$ID" "idle-$mode" || continue
				ids+=("$ID") pids+=("$SPID") subjs+=("$s")
			done
			nap "$CTRD_SETTLE_S"
			for i in "${!pids[@]}"; do
				ctrd_mem "${pids[$i]}" | record ctrd "idle-$mode" "${subjs[$i]}" "$r"
			done
			ctrd_stop "${ids[@]}"
			ctrd_wait_gone "${pids[@]}"
		done
	done
}

# `ctr run --rm ... true`, the whole command timed; the runtimes alternate.
ctrd_rm() {
	local r mode s t0 t1 rc n=$((RUNS * 2))
	for ((r = 1; r <= n; r++)); do
		for mode in pipe tty; do
			for s in $(rotated "$r" "${CTRD_SUBJECTS[@]}"); do
				new_id
				ctrd_run_cmd "$s" "$mode" "$ID" --rm -- true
				note_cmd "ctrd/run-rm-$mode/$s" "$CMD_TEXT"
				rc=0
				t0=$EPOCHREALTIME
				timeout -k 5 60 "${CMD[@]}" </dev/null >"$CTRD_DIR/rm.out" 2>&1 || rc=$?
				t1=$EPOCHREALTIME
				if [ "$rc" != 0 ]; then
					fail ctrd "rm-$mode" "$s" "ctr run --rm exited $rc: $(head -c 300 "$CTRD_DIR/rm.out")"
					ctrd_stop "$ID"
					continue
				fi
				# EPOCHREALTIME has 6 decimals: its digits are microseconds
				# whatever the locale's decimal separator.
				echo "run_ms=$(awk -v us=$((${t1//[!0-9]/} - ${t0//[!0-9]/})) 'BEGIN { printf "%.3f", us / 1000 }')" |
					record ctrd "rm-$mode" "$s" "$r"
			done
		done
	done
}

# CTRD_N idle pipe containers per runtime, alive together, their shims summed.
ctrd_many() {
	local i s ids=() pids=() subjs=()
	for ((i = 0; i < CTRD_N; i++)); do
		for s in $(rotated "$i" "${CTRD_SUBJECTS[@]}"); do
			new_id
			ctrd_start "$s" pipe "$ID" many || continue
			ids+=("$ID") pids+=("$SPID") subjs+=("$s")
		done
	done
	nap "$CTRD_SETTLE_S"
	for s in "${CTRD_SUBJECTS[@]}"; do
		for i in "${!pids[@]}"; do
			[ "${subjs[$i]}" = "$s" ] && { ctrd_mem "${pids[$i]}"; echo count=1; }
		done | awk -F= '$1 != "exe_procs" { t[$1] += $2 } END { for (k in t) print k "=" t[k] }' |
			record ctrd many "$s" 1
	done
	ctrd_stop "${ids[@]}"
	ctrd_wait_gone "${pids[@]}"
}

group_ctrd() {
	say "ctrd: containerd-shim-ptyshim-v1 vs containerd-shim-runc-v2: $RUNS rounds of one idle shim" \
		"(pipe, tty), $((RUNS * 2)) of ctr run --rm, $CTRD_N idle containers each"
	if ! ctrd_setup; then
		say "ctrd: skipped: $CTRD_SKIP"
		return
	fi
	CTRD_VERSIONS="containerd $(containerd --version | awk '{ print $3 }'),"
	CTRD_VERSIONS="$CTRD_VERSIONS containerd-shim-runc-v2 $(containerd-shim-runc-v2 -v | awk '/Version:/ { print $2 }')"
	CTRD_VERSIONS="$CTRD_VERSIONS ($(command -v containerd-shim-runc-v2)), ptyshim's: $CTRD_SHIM;"
	CTRD_VERSIONS="$CTRD_VERSIONS both run from copies in the run's directory"
	ctrd_idle
	ctrd_rm
	ctrd_many
	ctrd_cleanup
}

# Everything the group started, by pid: tasks and containers through
# containerd, then containerd; shims that outlived their task (found by our
# socket in their argv) and their runc containers; mounts left under our
# directory. Also run from run.sh's exit trap.
ctrd_cleanup() {
	[ -n "$CTRD_DIR" ] && [ -d "$CTRD_DIR" ] || return 0
	local id p t m rroot=/run/containerd/runc/$CTRD_NS
	if [ -n "$CTRD_PID" ] && kill -0 "$CTRD_PID" 2>/dev/null; then
		for id in $(ctrc tasks ls -q 2>/dev/null); do ctrc tasks delete -f "$id" >/dev/null 2>&1; done
		for id in $(ctrc containers ls -q 2>/dev/null); do ctrc containers rm "$id" >/dev/null 2>&1; done
		kill "$CTRD_PID" 2>/dev/null
		for ((t = 0; t < 50; t++)); do kill -0 "$CTRD_PID" 2>/dev/null || break; nap 0.1; done
		kill -KILL "$CTRD_PID" 2>/dev/null
	fi
	CTRD_PID=""
	for p in /proc/[0-9]*; do
		tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -qF -- " -address $CTRD_SOCK " && kill -KILL "${p#/proc/}" 2>/dev/null
	done
	for id in $("$RUNTIME" --root "$rroot" list -q 2>/dev/null | grep "^pb$$-"); do
		"$RUNTIME" --root "$rroot" delete --force "$id" >/dev/null 2>&1
	done
	awk -v d="$CTRD_DIR/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r |
		while read -r m; do umount -l "$m"; done
	# The namespace's own directories (runc's state, cgroups), once empty:
	# rmdir leaves them to a concurrent run that still has containers there.
	rmdir "$rroot" /sys/fs/cgroup/"$CTRD_NS" /sys/fs/cgroup/*/"$CTRD_NS" 2>/dev/null
	# Keep containerd's log for a look after the run; the rest can go.
	mkdir -p "$BUILD/bench"
	cp "$CTRD_DIR/containerd.log" "$BUILD/bench/ctrd-containerd.log" 2>/dev/null
	rm -rf "$CTRD_DIR"
	CTRD_DIR=""
}

# ---- report --------------------------------------------------------------------

# ctrd_rt CASE A B KEY: round-paired ratios as run.sh's rt, with the digits
# that ratios near 0.02 need.
ctrd_rt() { awk -f "$STATS" -v mode=ratio -v g=ctrd -v c="$1" -v a="$2" -v b="$3" -v k="$4" "$DATA"; }

ctrd_per_shim() { # SUBJECT KEY: the many case's total / count
	awk -F'\t' -v s="$1" -v k="$2" '$1 == "ctrd" && $2 == "many" && $3 == s { v[$5] = $6 }
		END { if (v["count"] > 0 && k in v) printf "%.0f", v[k] / v["count"]; else print "n/a" }' "$DATA"
}

report_ctrd() {
	local mode k s
	echo "## containerd shims (issue 14)"
	echo
	echo "ptyshim's containerd shim (\`containerd-shim-ptyshim-v1\`, runtime \`io.containerd.ptyshim.v1\`) against"
	echo "containerd's own (\`containerd-shim-runc-v2\`, \`io.containerd.runc.v2\`), both driven through \`ctr\` by one"
	echo "private containerd (root, state and sockets on the run's tmpfs, CRI plugin off, namespace \`$CTRD_NS\`)."
	echo "Image: the busybox-static root of the integration tests (podman import → OCI archive → \`ctr images import\`)."
	echo
	if [ -n "$CTRD_SKIP" ]; then
		echo "**Not measured:** $CTRD_SKIP"
		echo
		return
	fi
	echo "- ${CTRD_VERSIONS:-}"
	echo
	echo "**One idle shim.** A \`sleep 100000\` container, \`ctr run -d\` (*tty*: \`ctr run -d -t\`, under \`script\`,"
	echo "since ctr wants a terminal on its stdin even when it detaches). In each of $RUNS rounds and each mode, one"
	echo "container per runtime, started in rotating order; after $CTRD_SETTLE_S s the shim (the parent of the container's init,"
	echo "checked by its \`-id\` argument) is read: RSS, PSS, USS = Private_Clean + Private_Dirty from"
	echo "/proc/PID/smaps_rollup (kB), *anonymous* (heap, stacks: what each further shim adds), threads from"
	echo "/proc/PID/status, fds. Both are deleted, and their shims gone, before the next pair starts. PSS splits a"
	echo "file's pages between all the processes that map it, so each shim is measured as the only process of"
	echo "its binary: both run from copies in the run's directory (other containerds on the machine cannot share"
	echo "them) and one shim of each runs at a time. That is the first container's cost; with many containers"
	echo "the binary is shared and each shim's PSS tends to its anonymous memory."
	echo
	echo "| container | figure | runc-v2 | ptyshim | ptyshim ÷ runc-v2 |"
	echo "|---|---|---|---|---|"
	for mode in pipe tty; do
		for k in "pss_kb:PSS kB" "uss_kb:USS kB" "anon_kb:anonymous kB" "rss_kb:RSS kB" "threads:threads" "fds:fds"; do
			echo "| $mode | ${k#*:} | $(sti ctrd "idle-$mode" runc-v2 "${k%%:*}") | $(sti ctrd "idle-$mode" ptyshim "${k%%:*}") | $(ctrd_rt "idle-$mode" ptyshim runc-v2 "${k%%:*}") |"
		done
		echo "| $mode | processes of that binary (should be 1: the shim alone) | $(sti ctrd "idle-$mode" runc-v2 exe_procs) | $(sti ctrd "idle-$mode" ptyshim exe_procs) | |"
	done
	echo
	echo "**\`ctr run --rm IMAGE ID true\`**, $((RUNS * 2)) rounds, the runtimes in alternating order: wall time of the"
	echo "whole ctr command (ctr's own start, the snapshot, the shim's start, runc create and start, the exit,"
	echo "the task's and the container's deletion, the shim's exit). *tty*: \`ctr run --rm -t\` under \`script\`. ms."
	echo
	echo "| | runc-v2 | ptyshim | ptyshim ÷ runc-v2 |"
	echo "|---|---|---|---|"
	for mode in pipe tty; do
		echo "| $mode | $(st ctrd "rm-$mode" runc-v2 run_ms) | $(st ctrd "rm-$mode" ptyshim run_ms) | $(ctrd_rt "rm-$mode" ptyshim runc-v2 run_ms) |"
	done
	echo
	echo "**$CTRD_N idle containers per runtime** (pipe mode, started interleaved, all alive together, read after"
	echo "$CTRD_SETTLE_S s), summed over their shims (kB); here each binary's text is shared by its $CTRD_N shims:"
	echo
	echo "| shim | containers | RSS | PSS | USS | anonymous | threads | PSS per shim |"
	echo "|---|---|---|---|---|---|---|---|"
	for s in "${CTRD_SUBJECTS[@]}"; do
		echo "| $s | $(sti ctrd many "$s" count) | $(sti ctrd many "$s" rss_kb) | $(sti ctrd many "$s" pss_kb) | $(sti ctrd many "$s" uss_kb) | $(sti ctrd many "$s" anon_kb) | $(sti ctrd many "$s" threads) | $(ctrd_per_shim "$s" pss_kb) |"
	done
	echo "| ptyshim ÷ runc-v2 | | $(ctrd_rt many ptyshim runc-v2 rss_kb) | $(ctrd_rt many ptyshim runc-v2 pss_kb) | $(ctrd_rt many ptyshim runc-v2 uss_kb) | $(ctrd_rt many ptyshim runc-v2 anon_kb) | $(ctrd_rt many ptyshim runc-v2 threads) | |"
	echo
}

ctrd_med() { # -v c=CASE -v k=KEY: median ratio ptyshim ÷ runc-v2, 3 decimals
	awk -f "$STATS" -v raw=1 -v mode=ratio -v g=ctrd -v a=ptyshim -v b=runc-v2 "$@" "$DATA" |
		awk '$1 == "n/a" { print "—"; next } { printf "%.3f\n", $1 }'
}

ctrd_targets() {
	local m mode
	echo "Issue 14 (the containerd shim):"
	echo
	echo "| target | measured | verdict |"
	echo "|---|---|---|"
	for mode in pipe tty; do
		m=$(ctrd_med -v c="idle-$mode" -v k=pss_kb)
		echo "| one idle shim ($mode): PSS ≤ 0.1 × containerd-shim-runc-v2's | $m | $(verdict "$m" '<=' 0.1) |"
	done
	m=$(ctrd_med -v c=many -v k=pss_kb)
	echo "| (for reference: $CTRD_N idle shims, summed PSS, ptyshim ÷ runc-v2) | $m | — |"
	echo
}
