# Helpers for 40-podman.bats: real podman 4.3.1 driving the shim under test
# through `podman --conmon`.
#
# Everything podman stores goes to a private directory (PM_DIR) through a
# private containers.conf and storage.conf, so the tests never touch the
# machine's own containers, and a failed run leaves nothing behind that a later
# run could trip over. The image is a busybox-static root file system imported
# with `podman import` (there is no registry here).
#
# podman is always given a small wrapper as its conmon: it records the argv of
# every start of the shim (shown when a test fails) and execs the real binary,
# so the pid podman sees is the shim's own.
#
# Environment:
#   SHIM       shim under test (default: bin/ptyshim of this tree); relative
#              paths are taken from the repository root
#   SHIM_KIND  conmon|ptyshim; guessed from SHIM (only the OOM test cares)
#   CONMON     the reference conmon for the comparison tests (default: conmon
#              in PATH)
#   PM_KEEP=1  keep the private directory (storage, logs, argv.log) at the end

PM_REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
PM_IMAGE=localhost/ptyshim-busybox:test

# ------------------------------------------------------------ file set-up

# Why the whole file cannot run here, if it cannot (bats 1.8 has no skip in
# setup_file: pm_setup skips each test with this reason).
pm_why_not() {
	if ! command -v podman >/dev/null; then
		echo "podman is not installed"
	elif [[ $(id -u) != 0 ]]; then
		echo "needs root: rootful podman (-p port reservation, memory cgroup for OOM)"
	elif ! command -v runc >/dev/null; then
		echo "runc is not installed"
	elif [[ ! -x /bin/busybox ]]; then
		echo "busybox-static is not installed (/bin/busybox)"
	fi
}

pm_resolve_shim() {
	local s=${SHIM:-bin/ptyshim}
	[[ $s == /* ]] || s=$PM_REPO/$s
	echo "$s"
}

# Writes an executable wrapper at $1 that logs to $PM_DIR/argv.log and execs $2.
pm_write_wrapper() {
	cat >"$1" <<EOF
#!/bin/sh
# Written by lib-podman.bash: records the shim's argv for test diagnostics.
[ "\$1" = --version ] || printf 'pid=%s cwd=%s: %s\n' "\$\$" "\$PWD" "\$*" >>"$PM_DIR/argv.log"
exec "$2" "\$@"
EOF
	chmod 755 "$1"
}

pm_setup_file() {
	PM_SKIP=$(pm_why_not)
	export PM_SKIP
	[[ -z $PM_SKIP ]] || return 0
	PM_SHIM=$(pm_resolve_shim)
	if [[ ! -x $PM_SHIM ]]; then
		echo "SHIM=$PM_SHIM is not an executable (run make first)"
		return 1
	fi
	PM_CONMON=${CONMON:-$(command -v conmon || true)}
	if [[ -z ${SHIM_KIND:-} ]]; then
		if [[ -n $PM_CONMON && $(readlink -f "$PM_SHIM") == "$(readlink -f "$PM_CONMON")" ]] ||
			[[ ${PM_SHIM##*/} == conmon ]]; then
			SHIM_KIND=conmon
		else
			SHIM_KIND=ptyshim
		fi
	fi
	PM_DIR=$(mktemp -d /tmp/ptyshim-podman.XXXXXX)
	mkdir -p "$PM_DIR"/{rootfs,cwd,tmp,volumes,cmp}
	pm_build_rootfs "$PM_DIR/rootfs"
	cat >"$PM_DIR/containers.conf" <<EOF
[containers]
# podman 4.3.1 cannot read this host's limits without help.
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
log_driver = "k8s-file"
# No network unless a test asks for one: faster, and no host bridge changes.
netns = "none"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PM_DIR/events.log"
tmp_dir = "$PM_DIR/tmp"
volume_path = "$PM_DIR/volumes"
# static_dir must stay unset: the exit command passes --root, which resets it
# to <root>/libpod, and a different value makes 'container cleanup' look in
# another database (every foreground run then takes 20 s).
EOF
	cat >"$PM_DIR/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$PM_DIR/graph"
runroot = "$PM_DIR/run"
EOF
	export CONTAINERS_CONF=$PM_DIR/containers.conf
	export CONTAINERS_STORAGE_CONF=$PM_DIR/storage.conf
	pm_write_wrapper "$PM_DIR/shim" "$PM_SHIM"
	if [[ -n $PM_CONMON && -x $PM_CONMON ]]; then
		pm_write_wrapper "$PM_DIR/conmon" "$PM_CONMON"
	else
		PM_CONMON=
	fi
	# The podman command as a program, for drivers that exec it (ptydrive).
	cat >"$PM_DIR/pm" <<'EOF'
#!/bin/sh
exec podman --conmon "${PM_CUR:?}" "$@"
EOF
	chmod 755 "$PM_DIR/pm"
	export PM_DIR PM_SHIM PM_CONMON SHIM_KIND PM_CUR=$PM_DIR/shim
	local out
	if ! out=$(tar -C "$PM_DIR/rootfs" -c . |
		"$PM_DIR/pm" import --change 'ENV PATH=/bin' --change 'CMD ["/bin/sh"]' - "$PM_IMAGE" 2>&1); then
		echo "podman import failed: $out"
		return 1
	fi
	pm_find_ptydrive
	export PM_PTYDRIVE
}

# pm_oci_archive DIR IMAGE CMD_JSON: the busybox-static root as an OCI image
# archive, DIR/image.tar, for containerd (`ctr images import`), made offline:
# pm_build_rootfs -> podman import (CMD_JSON its CMD, PATH=/bin) with a
# private vfs storage -> podman save. Everything but the archive is removed
# again; on failure podman's words are on stdout and it returns 1.
pm_oci_archive() {
	local dir=$1 image=$2 cmd=$3 out
	pm_build_rootfs "$dir/oci-root" || return 1
	printf '%s\n' '[storage]' 'driver = "vfs"' "graphroot = \"$dir/oci-podman/graph\"" \
		"runroot = \"$dir/oci-podman/run\"" >"$dir/oci-storage.conf"
	# podman's scratch files in DIR too, and no events log of its own.
	printf '%s\n' '[engine]' "tmp_dir = \"$dir/oci-podman/tmp\"" 'events_logger = "none"' >"$dir/oci-containers.conf"
	out=$(export CONTAINERS_CONF=$dir/oci-containers.conf CONTAINERS_STORAGE_CONF=$dir/oci-storage.conf
		tar -C "$dir/oci-root" -c . |
			podman import --change 'ENV PATH=/bin' --change "CMD $cmd" - "$image" 2>&1 &&
			podman save --format oci-archive -o "$dir/image.tar" "$image" 2>&1) || { echo "$out"; return 1; }
	rm -rf "$dir/oci-root" "$dir/oci-podman" "$dir/oci-storage.conf" "$dir/oci-containers.conf"
}

pm_build_rootfs() {
	local r=$1 a
	mkdir -p "$r"/{bin,etc,proc,sys,dev,tmp,run}
	cp /bin/busybox "$r/bin/busybox"
	for a in $(/bin/busybox --list); do
		# The list names busybox itself: a link would replace the binary.
		[[ $a == busybox ]] || ln -s busybox "$r/bin/$a"
	done
	echo 'root:x:0:0:root:/:/bin/sh' >"$r/etc/passwd"
	echo 'root:x:0:' >"$r/etc/group"
}

# The forkpty driver of tests/helpers: the build's copy, else compiled here
# from its source (it has no dependency on the code under test).
pm_find_ptydrive() {
	PM_PTYDRIVE=
	local build=${BUILD:-build}
	[[ $build == /* ]] || build=$PM_REPO/$build # lib.bash, if loaded too, made it absolute
	local built=$build/helpers/ptydrive src=$PM_REPO/tests/helpers/ptydrive.c
	if [[ -x $built ]]; then
		PM_PTYDRIVE=$built
	elif [[ -f $src ]] && command -v cc >/dev/null &&
		cc -O2 -o "$PM_DIR/ptydrive" "$src" -lutil 2>"$PM_DIR/ptydrive.err"; then
		PM_PTYDRIVE=$PM_DIR/ptydrive
	fi
}

pm_teardown_file() {
	[[ -n ${PM_DIR:-} && -d $PM_DIR ]] || return 0
	if [[ ${PM_KEEP:-} == 1 ]]; then
		echo "# PM_KEEP=1: kept $PM_DIR" >&3
		return 0
	fi
	pm_remove_all
	"$PM_DIR/pm" rmi -af >/dev/null 2>&1 || true
	# Whatever podman could not undo: mounts below PM_DIR, then the files.
	local m
	# shellcheck disable=SC2013 # mount points here have no spaces
	for m in $(awk -v d="$PM_DIR/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf "$PM_DIR"
}

# ----------------------------------------------------------- per test

pm_setup() {
	[[ -z $PM_SKIP ]] || skip "$PM_SKIP"
	# CI has no stdin; make it /dev/null for everything that does not pipe.
	exec </dev/null
	cd "$PM_DIR/cwd" || return 1
	rm -f "$PM_DIR/cwd/oom"
	: >"$PM_DIR/argv.log"
	PM_CUR=$PM_DIR/shim
	export PM_CUR
}

pm_teardown() {
	[[ -z $PM_SKIP ]] || return 0
	if [[ -z ${BATS_TEST_COMPLETED:-} ]]; then
		echo "# --- diagnostics (SHIM=$PM_SHIM, kind $SHIM_KIND) ---"
		echo "# last shim starts (argv.log; D=$PM_DIR, ids cut to 12):"
		sed -E "s# --exit-command-arg [^ ]*##g; s#$PM_DIR#D#g; s#([0-9a-f]{12})[0-9a-f]{52}#\\1#g; s#^#\#   #" \
			"$PM_DIR/argv.log" | tail -n 4
		echo "# containers:"
		"$PM_DIR/pm" ps -a --format '{{.Names}} {{.Status}} {{.Command}}' 2>&1 | sed 's/^/#   /'
	fi
	# Background podman calls a failed test left behind (they hold locks).
	local j
	for j in $(jobs -p); do
		# Not bats' watchdog of BATS_TEST_TIMEOUT (tests/run sets it): TERM
		# would orphan its sleep, which holds bats' output open for 120 s.
		[[ $j == "${BATS_killer_pid:-}" ]] && continue
		kill "$j" 2>/dev/null || true
	done
	pm_remove_all
	# The shim must end once its container is gone: a monitor left behind
	# is a bug (and would hold the overlay mount).
	local pids
	if ! poll 15 pm_no_monitors; then
		pids=$(pm_monitor_pids)
		echo "# shim processes still alive 15 s after 'podman rm -af': $pids"
		ps -o pid,ppid,stat,args -p "${pids// /,}" 2>/dev/null | sed 's/^/#   /'
		# shellcheck disable=SC2086
		kill -9 $pids 2>/dev/null
		return 1
	fi
}

pm_remove_all() {
	"$PM_DIR/pm" rm -af -t 0 >/dev/null 2>&1 || true
}

# Pids of shim monitors serving containers of this test run (matched by the
# bundle path; podman's own cleanup processes have no -b).
pm_monitor_pids() {
	pgrep -f -- "-b $PM_DIR/" | tr '\n' ' '
}

pm_no_monitors() {
	[[ -z $(pm_monitor_pids) ]]
}

# --------------------------------------------------------------- podman

# podman with --conmon set to the current wrapper (PM_CUR). The cap turns a
# hang (a shim that keeps podman's stdout open, a missing exit file) into a
# failure with status 124 instead of a stuck suite.
pm() {
	local start=$SECONDS rc=0
	timeout -k 5 90 "$PM_DIR/pm" "$@" || rc=$?
	if ((SECONDS - start >= 90)); then
		echo "pm: 'podman $*' did not finish within 90 s (killed)" >&2
	fi
	return $rc
}

# Runs the rest of the command line with the wrapper of conmon|shim.
pm_as() {
	local kind=$1
	shift
	PM_CUR=$PM_DIR/$kind "$@"
}

pm_need_conmon() {
	[[ -n $PM_CONMON ]] || skip "conmon is not installed: nothing to compare against"
}

pm_need_ptydrive() {
	[[ -n $PM_PTYDRIVE ]] || skip "no forkpty driver: tests/helpers/ptydrive.c missing or cc failed"
}

pm_inspect() {
	pm inspect --format "$2" "$1"
}

# ptydrive with a generous default timeout; the transcript of the command's
# terminal output goes to $PM_DIR/transcript.
drive() {
	rm -f "$PM_DIR/transcript"
	"$PM_PTYDRIVE" -t 30 -o "$PM_DIR/transcript" "$@"
}

# ------------------------------------------------------------- polling

# poll SECS CMD...: run CMD every 0.1 s until it succeeds; fails after SECS.
poll() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

pm_logs_contain() {
	pm logs "$1" 2>&1 | grep -q -- "$2"
}

pm_status_is() {
	[[ $(pm_inspect "$1" '{{.State.Status}}' 2>/dev/null) == "$2" ]]
}

# ------------------------------------------------------ k8s-file logs

pm_logpath() {
	pm_inspect "$1" '{{.HostConfig.LogConfig.Path}}'
}

# Every record is "<local time, 9-digit ns, numeric offset> <stream> <P|F> <content>".
k8s_check_format() {
	local bad
	bad=$(grep -nvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}[+-][0-9]{2}:[0-9]{2} (stdout|stderr) [PF] ' "$1" | head -n 5)
	if [[ -n $bad ]]; then
		echo "bad k8s-file records in $1:"
		echo "$bad" | cat -A
		return 1
	fi
	if [[ -s $1 && $(tail -c 1 "$1" | od -An -c | tr -d ' ') != '\n' ]]; then
		echo "$1 does not end with a newline"
		return 1
	fi
}

# The bytes a stream carried, rebuilt from the records (P records lose the
# newline the log added): independent of how reads split the output.
k8s_stream() {
	awk -v s="$2" '$2 == s { tag = $3; sub(/^[^ ]* [^ ]* [PF] /, ""); if (tag == "F") printf "%s\n", $0; else printf "%s", $0 }' "$1"
}

# The records without their timestamps.
k8s_untimed() {
	sed -E 's/^[^ ]+ //' "$1"
}

# ---------------------------------------------------------- assertions

assert_eq() {
	if [[ $1 != "$2" ]]; then
		echo "expected: $(printf '%q' "$2")"
		echo "actual:   $(printf '%q' "$1")"
		[[ -n ${3:-} ]] && echo "($3)"
		return 1
	fi
}

assert_match() {
	if ! [[ $1 =~ $2 ]]; then
		echo "expected a match for /$2/ in:"
		printf '%s\n' "$1" | cat -A
		return 1
	fi
}

# shellcheck disable=SC2154 # status and output come from bats' run
assert_status() {
	if [[ $status != "$1" ]]; then
		echo "exit status $status, expected $1; output:"
		printf '%s\n' "$output"
		return 1
	fi
}

# A free TCP port on the host.
pm_free_port() {
	local p i
	for ((i = 0; i < 100; i++)); do
		p=$((20000 + RANDOM % 20000))
		[[ -z $(ss -Hltn "sport = :$p") ]] && echo "$p" && return 0
	done
	return 1
}

# Pids owning a listening socket on the port, sorted.
pm_port_owners() {
	ss -Hltnp "sport = :$1" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u | tr '\n' ' '
}

# ------------------------------------------------------ compare scenarios
# Each scenario writes what it observed into the directory $1; the test runs
# it under conmon and under SHIM and diffs the two directories. The log is
# dumped as the container's driver keeps it: k8s-file here, journald with
# lib-journald.bash loaded (35-journald.bats).

scen_detached() {
	local d=$1
	pm run -d --name cmp "$PM_IMAGE" sh -c 'echo out1; echo err1 >&2
		head -c 20000 /dev/zero | tr "\0" a; echo
		printf "tab\there\r\n"; echo err2 >&2; printf partial; exit 7' >/dev/null
	pm wait cmp >"$d/wait" 2>&1
	# (No --tail: the order of stdout and stderr records written at the
	# same moment is up to the scheduler, and --tail counts both.)
	pm logs cmp >"$d/logs.out" 2>"$d/logs.err"
	pm_inspect cmp '{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}}' >"$d/state"
	pm_log_dump cmp "$d"
}

pm_log_dump() {
	if [[ $(pm_inspect "$1" '{{.HostConfig.LogConfig.Type}}') == journald ]]; then
		jrn_dump "$(pm_inspect "$1" '{{.Id}}')" "$2"
	else
		k8s_dump "$(pm_logpath "$1")" "$2"
	fi
}

# The log file, modulo timestamps and read boundaries: format check, each
# stream's bytes, the longest record.
k8s_dump() {
	if [[ ! -f $1 ]]; then
		echo "no log file" >"$2/log.format"
		return 0
	fi
	k8s_check_format "$1" >"$2/log.format" 2>&1
	k8s_stream "$1" stdout >"$2/log.stdout"
	k8s_stream "$1" stderr >"$2/log.stderr"
	awk '{ sub(/^[^ ]* [^ ]* [PF] /, ""); if (length($0) > 8192) print "record over 8192 bytes at line " NR }' "$1" >"$2/log.records"
	stat -c %a "$1" >"$2/log.mode"
}

scen_pipe() {
	local d=$1 rc=0
	pm run -i --name cmp "$PM_IMAGE" sh -c 'cat; echo; echo e >&2; exit 2' \
		< <(printf 'one\ntwo\nno-newline') >"$d/out" 2>"$d/err" || rc=$?
	echo $rc >"$d/rc"
	pm_log_dump cmp "$d"
}

scen_exec() {
	local d=$1 i=0 cmd rc
	pm run -d --name cmp "$PM_IMAGE" sleep 1000 >/dev/null
	for cmd in 'echo o; echo e >&2' 'exit 5' 'kill -9 $$' 'exec /nonexistent' 'printf x; exit 1'; do
		i=$((i + 1))
		rc=0
		pm exec cmp sh -c "$cmd" >"$d/exec$i.out" 2>"$d/exec$i.err" || rc=$?
		echo $rc >"$d/exec$i.rc"
	done
	rc=0
	pm exec -i cmp sh -c 'cat; exit 4' < <(printf 'in1\nin2') >"$d/exec-i.out" 2>&1 || rc=$?
	echo $rc >"$d/exec-i.rc"
	pm_log_dump cmp "$d"
}

scen_tty() {
	local d=$1 rc=0
	drive -s 24x80 -e 'expect done' -e 'wait' \
		-- "$PM_DIR/pm" run -t --name cmp "$PM_IMAGE" sh -c 'stty size; echo out; echo err >&2; printf "no-nl"; echo done; exit 3' \
		>"$d/drive.out" 2>&1 || rc=$?
	echo $rc >"$d/rc"
	tr -d '\0' <"$PM_DIR/transcript" >"$d/transcript"
	pm_inspect cmp '{{.State.Status}} {{.State.ExitCode}}' >"$d/state"
	pm_log_dump cmp "$d"
}

pm_compare() {
	local scen=$1 k
	pm_need_conmon
	rm -rf "$PM_DIR/cmp"
	for k in conmon shim; do
		mkdir -p "$PM_DIR/cmp/$k"
		# Called in a condition, so a failing step does not end the scenario:
		# everything it observed still gets compared.
		PM_CUR=$PM_DIR/$k "$scen" "$PM_DIR/cmp/$k" || echo "scenario ended with $?" >"$PM_DIR/cmp/$k/scenario"
		PM_CUR=$PM_DIR/$k pm_remove_all
	done
	if ! diff -r -a "$PM_DIR/cmp/conmon" "$PM_DIR/cmp/shim" >"$PM_DIR/cmp.diff"; then
		echo "conmon ($PM_CONMON) and SHIM ($PM_SHIM) differ (< conmon, > shim):"
		cat -A "$PM_DIR/cmp.diff" | cut -c 1-300 | head -n 60
		return 1
	fi
	# The scenario must have produced something to compare.
	[[ -n $(cat "$PM_DIR/cmp/conmon"/*) ]]
}
