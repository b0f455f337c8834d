# lib.bash: shared helpers of the integration tests (`load lib` in every .bats).
#
# The tests run against any conmon-compatible shim: SHIM=/usr/bin/conmon runs
# them on the reference, the default is the repo's bin/ptyshim. Containers are
# real runc containers on a busybox-static root file system built once per run.
# Everything a test creates (containers, shim processes, files) lives under its
# own BATS_TEST_TMPDIR and a per-run runtime root, and teardown removes it.
#
# Environment:
#   SHIM=path       shim under test (default $ROOT/bin/ptyshim)
#   RUNTIME=name    runc (default), crun (through an unshare wrapper, see
#                   notes/guide.md), or a path to another OCI runtime
#   BUILD=dir       where the test helpers were built (default build)
#   WAIT_CAP=secs   default cap of wait_for (default 20)

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BUILD=${BUILD:-build}
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
SHIM=${SHIM:-$ROOT/bin/ptyshim}
if [[ $SHIM != */* ]]; then
	SHIM=$(command -v "$SHIM" || echo "$SHIM")
elif [[ $SHIM != /* ]]; then
	SHIM=$PWD/$SHIM
fi
RUNTIME=${RUNTIME:-runc}
FAKEMGR=$BUILD/helpers/fakemgr
PTYDRIVE=$BUILD/helpers/ptydrive
WAIT_CAP=${WAIT_CAP:-20}

# Per-run state shared by all files of one bats run.
RUN_DIR=$BATS_RUN_TMPDIR/ptyshim
ROOTFS=$RUN_DIR/rootfs
RT_ROOT=$RUN_DIR/rt-root

# ------------------------------------------------------------------ basics

# is_ptyshim: true when the shim under test is ptyshim (its --version output
# names it), false for conmon. Use it only where ptyshim deliberately differs.
is_ptyshim() {
	if [[ -z ${_IS_PTYSHIM:-} ]]; then
		if "$SHIM" --version 2>/dev/null </dev/null | grep -qi ptyshim; then
			_IS_PTYSHIM=yes
		else
			_IS_PTYSHIM=no
		fi
	fi
	[[ $_IS_PTYSHIM == yes ]]
}

# require_root: skip the test (with the reason) unless running as root, which
# real containers need.
require_root() {
	if [[ $(id -u) != 0 ]]; then
		skip "needs root to run runc containers"
	fi
}

# require_shim: fail clearly when the shim or the helpers are not built.
require_shim() {
	[[ -x $SHIM ]] || fail "SHIM=$SHIM is not an executable (run make, or set SHIM=/usr/bin/conmon)"
	[[ -x $FAKEMGR ]] || fail "$FAKEMGR is missing (run make)"
}

# fail MSG: end the test with MSG on stderr.
fail() {
	echo "FAIL: $*" >&2
	return 1
}

# wait_for [-t SECS] [-m MSG] CMD [ARG...]: poll CMD until it succeeds, every
# 20 ms at first then every 100 ms, for at most SECS (default $WAIT_CAP).
# Never a fixed sleep: a fast machine does not wait, a slow one is not flaky.
wait_for() {
	local cap=$WAIT_CAP msg=""
	while [[ $# -gt 0 ]]; do
		case $1 in
		-t) cap=$2; shift 2 ;;
		-m) msg=$2; shift 2 ;;
		--) shift; break ;;
		*) break ;;
		esac
	done
	local deadline=$((SECONDS + cap)) n=0
	while ! "$@"; do
		if ((SECONDS >= deadline)); then
			echo "wait_for: timed out after ${cap}s waiting for: ${msg:-$*}" >&2
			return 1
		fi
		if ((n++ < 25)); then sleep 0.02; else sleep 0.1; fi
	done
}

# pid_alive PID: the process exists and is not a zombie (this machine's init
# does not reap orphans, so a dead monitor can linger as a zombie).
pid_alive() {
	local state
	[[ -n ${1:-} ]] || return 1
	state=$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[[ -n $state && $state != Z && $state != X ]]
}

pid_dead() { ! pid_alive "$1"; }

# ppid_of PID: its parent pid.
ppid_of() {
	awk '{ sub(/^.*\) /, ""); print $2 }' "/proc/$1/stat"
}

# ------------------------------------------------------------ runtime, rootfs

# The runtime as the shim will exec it (-r), and the `rt` function the tests
# use to drive it. Every container of this run lives in RT_ROOT, so a leftover
# can never touch containers of other users of the machine.
_setup_runtime() {
	case $RUNTIME in
	runc) RUNTIME_BIN=$(command -v runc) ;;
	crun)
		# crun 1.8 refuses this hybrid cgroup host; give it a private mount
		# namespace with a cgroup2-less unified dir (notes/guide.md).
		RUNTIME_BIN=$RUN_DIR/crun-wrapper
		if [[ ! -x $RUNTIME_BIN ]]; then
			cat >"$RUNTIME_BIN.tmp.$$" <<-'EOF'
				#!/bin/sh
				exec unshare -m sh -c 'mount -t tmpfs none /sys/fs/cgroup/unified && exec crun "$@"' crun "$@"
			EOF
			chmod +x "$RUNTIME_BIN.tmp.$$"
			mv "$RUNTIME_BIN.tmp.$$" "$RUNTIME_BIN"
		fi
		;;
	*) RUNTIME_BIN=$RUNTIME ;;
	esac
}

# rt ARGS...: run the runtime on this run's container root.
rt() {
	"$RUNTIME_BIN" --root "$RT_ROOT" "$@"
}

# The busybox-static root file system and the `runc spec` template, built once
# per bats run (under a lock, in case of bats --jobs).
_build_rootfs() {
	[[ -f $RUN_DIR/.rootfs-done ]] && return 0
	mkdir -p "$RUN_DIR"
	(
		flock 9
		[[ -f $RUN_DIR/.rootfs-done ]] && exit 0
		local bb tmp
		bb=$(command -v busybox) || { echo "busybox is not installed" >&2; exit 1; }
		file -L "$bb" 2>/dev/null | grep -q 'statically linked' ||
			{ [[ -x /bin/busybox ]] && bb=/bin/busybox; }
		tmp=$RUN_DIR/rootfs.tmp
		rm -rf "$tmp"
		mkdir -p "$tmp"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,root,run,share}
		chmod 1777 "$tmp/tmp"
		cp "$bb" "$tmp/bin/busybox"
		# Links with absolute in-container targets (/bin/busybox), so they
		# work after pivot_root: let busybox make them from inside a chroot.
		if ! chroot "$tmp" /bin/busybox --install -s 2>/dev/null; then
			local applet
			while read -r applet; do
				[[ -e $tmp/$applet || -L $tmp/$applet ]] || ln -s /bin/busybox "$tmp/$applet"
			done < <("$tmp/bin/busybox" --list-full)
		fi
		echo 'root:x:0:0:root:/root:/bin/sh' >"$tmp/etc/passwd"
		echo 'root:x:0:' >"$tmp/etc/group"
		mv "$tmp" "$ROOTFS"
		mkdir -p "$RUN_DIR/spec"
		(cd "$RUN_DIR/spec" && runc spec) || exit 1
		mkdir -p "$RT_ROOT"
		touch "$RUN_DIR/.rootfs-done"
	) 9>"$RUN_DIR/.lock"
}

# make_bundle DIR [--tty] [--env NAME=VALUE]... -- CMD [ARG...]
# An OCI bundle in DIR running CMD in the shared rootfs; DIR/share is
# bind-mounted at /share in the container (a side channel for the tests).
make_bundle() {
	local dir=$1 tty=false envs=()
	shift
	while [[ $# -gt 0 ]]; do
		case $1 in
		--tty) tty=true; shift ;;
		--env) envs+=("$2"); shift 2 ;;
		--) shift; break ;;
		*) fail "make_bundle: unknown option $1"; return 1 ;;
		esac
	done
	[[ $# -gt 0 ]] || { fail "make_bundle: no command"; return 1; }
	_build_rootfs || return 1
	mkdir -p "$dir/share"
	# jq parses options even among --args (a "-c" would become jq's own), and
	# mangles NUL-separated input; --arg NAME VALUE takes VALUE verbatim.
	local named=() i
	for ((i = 1; i <= $#; i++)); do named+=(--arg "a$i" "${!i}"); done
	for ((i = 0; i < ${#envs[@]}; i++)); do named+=(--arg "e$i" "${envs[i]}"); done
	jq --arg root "$ROOTFS" --arg share "$dir/share" --argjson tty "$tty" \
		--argjson na $# --argjson ne ${#envs[@]} "${named[@]}" \
		'.process.args = [range(1; $na + 1) as $i | $ARGS.named["a\($i)"]]
		| .process.terminal = $tty
		| .process.env += [range(0; $ne) as $i | $ARGS.named["e\($i)"]]
		| .root.path = $root
		| .root.readonly = false
		| .mounts += [{"destination": "/share", "type": "bind", "source": $share,
			"options": ["rbind", "rw"]}]' \
		<"$RUN_DIR/spec/config.json" >"$dir/config.json"
}

# ---------------------------------------------------------------- containers

# new_cid: a container id unique to this run and test; it is recorded so that
# teardown deletes the container and kills its shim whatever happened.
new_cid() {
	local n
	n=$(wc -l <"$BATS_TEST_TMPDIR/.cids" 2>/dev/null || echo 0)
	local cid="pst-${BATS_RUN_TMPDIR##*-}-${BATS_SUITE_TEST_NUMBER:-$BATS_TEST_NUMBER}-$((n + 1))"
	echo "$cid" >>"$BATS_TEST_TMPDIR/.cids"
	echo "$cid"
}

# ctr_new [--tty] [--env N=V]... -- CMD [ARG...]
# Prepare one container and the shim's command line for it. Sets:
#   CID, B (bundle dir), EXITDIR, EXITFILE, LOGFILE, CTR_TTY,
#   LOG_OPTS (the -l options; change before shim_create),
#   SHIM_ARGS (podman 4.3.1's conmon argv, see conmon-interface.md §1.3,
#   without the -l options and without extra flags; append to it freely).
ctr_new() {
	local bargs=()
	CTR_TTY=false
	while [[ $# -gt 0 && $1 != -- ]]; do
		case $1 in
		--tty) CTR_TTY=true; bargs+=(--tty); shift ;;
		--env) bargs+=(--env "$2"); shift 2 ;;
		*) fail "ctr_new: unknown option $1"; return 1 ;;
		esac
	done
	CID=$(new_cid)
	B=$BATS_TEST_TMPDIR/${CID##*-}
	EXITDIR=$B/exits
	EXITFILE=$EXITDIR/$CID
	LOGFILE=$B/ctr.log
	make_bundle "$B" "${bargs[@]}" "$@" || return 1
	mkdir -p "$EXITDIR"
	LOG_OPTS=(-l "k8s-file:$LOGFILE")
	SHIM_ARGS=(--api-version 1 -c "$CID" -u "$CID" -r "$RUNTIME_BIN" -b "$B" -p "$B/pidfile"
		-n "$CID" --exit-dir "$EXITDIR" --full-attach --log-level warning
		--runtime-arg --root --runtime-arg "$RT_ROOT"
		--runtime-arg --log-format=json --runtime-arg --log --runtime-arg="$B/oci-log"
		--conmon-pidfile "$B/conmon.pid")
	if [[ $CTR_TTY == true ]]; then
		SHIM_ARGS+=(-t)
	fi
	SYNC="" SHIM_RC="" SHIM_ERR="" CTR_PID="" MON_PID=""
}

# shim_create [FAKEMGR_OPTION...]: start the shim for the current container
# through fakemgr, as podman does. Never fails by itself; sets
#   SYNC     the sync message(s) verbatim (without the final newline)
#   SHIM_RC  fakemgr's exit status (the spawned shim's, see fakemgr --help)
#   SHIM_ERR what the shim and fakemgr wrote on stderr
#   CTR_PID  the pid from a {"data": PID} message, else empty
#   MON_PID  the content of --conmon-pidfile, if written
shim_create() {
	local out=$BATS_TEST_TMPDIR/.sync-$CID err=$BATS_TEST_TMPDIR/.err-$CID
	SHIM_RC=0
	"$FAKEMGR" -t "${FAKEMGR_TIMEOUT:-30}" "$@" -- "$SHIM" "${SHIM_ARGS[@]}" "${LOG_OPTS[@]}" \
		>"$out" 2>"$err" 3>&- || SHIM_RC=$?
	SYNC=$(cat "$out")
	SHIM_ERR=$(cat "$err")
	CTR_PID=$(sed -n 's/^{"data": \([0-9]\+\)}$/\1/p' "$out" | head -1)
	MON_PID=$(cat "$B/conmon.pid" 2>/dev/null || true)
	if [[ -n ${SHIM_ERR} ]]; then
		printf '# shim stderr: %s\n' "$SHIM_ERR" >&2
	fi
}

# ctr_start: what the manager does after a good sync message: runtime start.
ctr_start() {
	rt start "$CID"
}

# ctr_run [--tty] [--env N=V]... -- CMD [ARG...]: ctr_new, shim_create,
# check the sync message, start the container.
ctr_run() {
	ctr_new "$@" || return 1
	shim_create
	check_created || return 1
	ctr_start
}

# check_created: the shim reported a pid and its first process exited 0.
check_created() {
	if [[ $SHIM_RC != 0 || -z $CTR_PID ]]; then
		fail "shim did not create $CID: status $SHIM_RC, sync '$SYNC', stderr: $SHIM_ERR"
		return 1
	fi
}

# wait_exit [CAP]: wait for the exit file; sets EXIT_CODE to its content.
wait_exit() {
	wait_for -t "${1:-$WAIT_CAP}" -m "exit file $EXITFILE" test -f "$EXITFILE" || return 1
	EXIT_CODE=$(cat "$EXITFILE")
}

# wait_shim_gone [CAP]: wait until the monitor process has exited.
wait_shim_gone() {
	[[ -n $MON_PID ]] || { fail "no monitor pid (conmon pidfile missing)"; return 1; }
	wait_for -t "${1:-$WAIT_CAP}" -m "monitor $MON_PID to exit" pid_dead "$MON_PID"
}

# ------------------------------------------------------------------- logs

# K8S_RE: one k8s-file record line, exactly as conmon 2.1.6 writes it.
K8S_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}[+-][0-9]{2}:[0-9]{2} (stdout|stderr) [FP] '

# check_log_format FILE: every line is a well-formed record and the file ends
# with a newline. Prints the offending lines.
check_log_format() {
	local f=$1 bad
	[[ -s $f ]] || { fail "log $f is empty or missing"; return 1; }
	[[ $(tail -c 1 "$f" | od -An -c | tr -d ' ') == '\n' ]] || { fail "log $f does not end with a newline"; return 1; }
	bad=$(grep -Evn -- "$K8S_RE" "$f" || true)
	if [[ -n $bad ]]; then
		fail "malformed log records in $f:"$'\n'"$bad"
		return 1
	fi
}

# log_content FILE [STREAM]: the container output reassembled from the records
# (F records end a line, P records do not; conmon adds a newline to P lines in
# the file only).
log_content() {
	awk -v want="${2:-}" '{
		ts = $1; stream = $2; tag = $3
		content = substr($0, length(ts) + length(stream) + length(tag) + 4)
		if (want != "" && stream != want) next
		printf "%s%s", content, (tag == "F" ? "\n" : "")
	}' "$1"
}

# log_records FILE: "STREAM TAG CONTENT" per record, without timestamps.
log_records() {
	cut -d' ' -f2- "$1"
}

# log_has FILE STREAM TAG CONTENT: a record with exactly this stream, tag and
# content is in FILE.
log_has() {
	log_records "$1" | grep -qxF -- "$2 $3 $4"
}

# ------------------------------------------------------------ setup/teardown

common_setup() {
	mkdir -p "$RUN_DIR"
	_setup_runtime
	: >"$BATS_TEST_TMPDIR/.cids"
}

# Remove everything the test started: containers (runtime delete -f), the
# monitors (they exit once their container is gone; SIGKILL after a grace
# period), and any process still carrying one of the test's container ids.
common_teardown() {
	local cid pid f cids=() pids=()
	[[ -f $BATS_TEST_TMPDIR/.cids ]] || return 0
	mapfile -t cids <"$BATS_TEST_TMPDIR/.cids"
	((${#cids[@]} > 0)) || return 0
	for cid in "${cids[@]}"; do
		rt delete -f "$cid" >/dev/null 2>&1 || true
	done
	for f in "$BATS_TEST_TMPDIR"/*/conmon.pid; do
		[[ -f $f ]] && pids+=("$(cat "$f")")
	done
	pids+=($(_pids_with_cid "${cids[@]}"))
	for pid in "${pids[@]}"; do
		# Only our own processes: their command line names one of our ids.
		pid_alive "$pid" && [[ -n $(_pids_with_cid "${cids[@]}" | grep -xF "$pid") ]] || continue
		wait_for -t 3 pid_dead "$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
	done
	return 0
}

# _pids_with_cid CID...: pids whose command line contains one of the ids
# (they are unique to this run, so this never matches anyone else's process).
_pids_with_cid() {
	local args=() cid
	for cid in "$@"; do args+=(-e "$cid"); done
	grep -lsaF "${args[@]}" /proc/[0-9]*/cmdline 2>/dev/null | sed -n 's|^/proc/\([0-9]*\)/cmdline$|\1|p' |
		grep -vxF "$BASHPID" || true
}

setup() {
	common_setup
}

teardown() {
	common_teardown
}
