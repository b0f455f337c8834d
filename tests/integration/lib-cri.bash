# Helpers for 61-cri.bats: a private containerd 1.6 (Debian's) WITH its CRI
# plugin, the runtime handler "ptyshim" (runtime_type io.containerd.ptyshim.v1)
# driving bin/containerd-shim-ptyshim-v1, and the CRI calls a kubelet makes,
# sent by tests/helpers/cri-call (Debian 12 has no crictl) and, for the
# streaming Exec and Attach URLs, tests/helpers/cri-stream (kubectl's
# websocket protocol). No kubelet, no CNI: the pods use the host's network.
#
# Isolation from other containerds on the machine: root, state, the gRPC and
# ttrpc sockets, the CNI conf dir and the pod logs are under CRI_DIR; the
# streaming server listens on 127.0.0.1 on a free port; the pods' cgroups are
# under a parent named after CRI_DIR. What cannot be private: CRI always uses
# the containerd namespace k8s.io, and the shim keeps runc's state in
# /run/containerd/runc/k8s.io (its ids are random, so nothing collides); the
# file skips when that directory already holds containers, and removes it at
# the end when it made it and it is empty.
#
# Images, offline: an OCI archive of the busybox-static root with CMD a long
# sleep (lib-podman.bash's pm_oci_archive: load it too; the pod's sandbox
# image, and the containers' image with their own command) -> ctr -n k8s.io
# images import.
#
# Environment: CT_SHIM (default bin/containerd-shim-ptyshim-v1 of this tree),
# CRI_KEEP=1 keeps CRI_DIR (containerd's log is CRI_DIR/containerd.log).
# CRI_HANDLER=runc runs the pods under containerd's runc shim instead, to compare
# (the tests of what only ptyshim answers then fail).

CRI_REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
CRI_IMAGE=localhost/ptyshim-cri-busybox:test
CRI_CALL=$CRI_REPO/tests/helpers/cri-call
CRI_STREAM=$CRI_REPO/tests/helpers/cri-stream
CRI_RUNC_NS=/run/containerd/runc/k8s.io

# Why the file cannot run here, if it cannot.
cri_why_not() {
	local t
	for t in containerd ctr podman runc jq; do
		command -v "$t" >/dev/null || { echo "$t is not installed"; return; }
	done
	if [[ $(id -u) != 0 ]]; then
		echo "needs root: containerd and runc containers"
	elif [[ ! -x /bin/busybox ]]; then
		echo "busybox-static is not installed (/bin/busybox)"
	elif ! /usr/bin/python3 -c 'import grpc, google.protobuf, websocket' 2>/dev/null; then
		echo "python3-grpcio, python3-protobuf and python3-websocket are needed (the CRI client)"
	elif [[ -n $(ls -A "$CRI_RUNC_NS" 2>/dev/null) ]]; then
		echo "$CRI_RUNC_NS holds another containerd's containers (CRI's namespace k8s.io is in use here)"
	fi
}

# cri METHOD [JSON]: one CRI call; the answer's JSON on stdout.
cri() { CRI_TIMEOUT=60 timeout -k 5 70 "$CRI_CALL" "$CRI_SOCK" "$@"; }

# cri_stream URL [ARG...]: tests/helpers/cri-stream.
cri_stream() { timeout -k 5 60 "$CRI_STREAM" "$@"; }

cri_ctr() { timeout -k 5 60 ctr -a "$CRI_SOCK" -n k8s.io "$@"; }

cri_write_config() {
	# restrict_oom_score_adj: runc sets the sandbox's oom_score_adj to -998,
	# which needs CAP_SYS_RESOURCE; a machine that lacks it (a sandboxed CI)
	# fails every pod with "can't get final child's PID from pipe: EOF".
	cat >"$CRI_DIR/config.toml" <<EOF
version = 2
root = "$CRI_DIR/root"
state = "$CRI_DIR/state"
[grpc]
  address = "$CRI_SOCK"
[ttrpc]
  address = "$CRI_SOCK.ttrpc"
[debug]
  level = "debug"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$CRI_IMAGE"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_apparmor = true
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    conf_dir = "$CRI_DIR/cni"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.ptyshim]
      runtime_type = "io.containerd.ptyshim.v1"
EOF
}

# cri_start_containerd: starts it (PATH: CRI_DIR/bin first, the shim's
# link) and waits for the CRI service to answer. In a session of its own and
# without bats' fd 3: a test that restarts it must neither wait for it nor
# take it along when the test ends.
cri_start_containerd() {
	(cd "$CRI_DIR" && PATH=$CRI_DIR/bin:$PATH exec setsid containerd --config "$CRI_DIR/config.toml") \
		</dev/null >>"$CRI_DIR/containerd.log" 2>&1 3>&- &
	echo $! >"$CRI_DIR/containerd.pid"
	local i pid=$!
	for ((i = 0; i < 100; i++)); do
		CRI_TIMEOUT=2 "$CRI_CALL" "$CRI_SOCK" Version >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	echo "containerd with CRI did not start: $(grep -E 'level=(error|fatal)' "$CRI_DIR/containerd.log" | grep -v cni | tail -2 | tr '\n' ' ')"
	return 1
}

# cri_stop_containerd: TERM (then KILL) to the containerd this file started.
cri_stop_containerd() {
	local pid
	pid=$(cat "$CRI_DIR/containerd.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null || true
	for _ in {1..50}; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null || true
	for _ in {1..20}; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	rm -f "$CRI_DIR/containerd.pid"
}

cri_build_image() {
	local out
	out=$(pm_oci_archive "$CRI_DIR" "$CRI_IMAGE" '["/bin/sleep","100000000"]' &&
		cri_ctr images import "$CRI_DIR/image.tar" 2>&1) || { echo "image: $out"; return 1; }
	rm -f "$CRI_DIR/image.tar"
}

cri_setup_file() {
	CRI_SKIP=$(cri_why_not)
	export CRI_SKIP
	[[ -z $CRI_SKIP ]] || return 0
	CT_SHIM=${CT_SHIM:-$CRI_REPO/bin/containerd-shim-ptyshim-v1}
	if [[ ! -x $CT_SHIM ]]; then
		echo "CT_SHIM=$CT_SHIM is not an executable (run make first)"
		return 1
	fi
	CRI_DIR=$(mktemp -d /tmp/ptyshim-cri.XXXXXX) || return 1
	CRI_SOCK=$CRI_DIR/containerd.sock
	CRI_CGROUP=/${CRI_DIR##*/}
	CRI_MADE_RUNC_NS=0
	[[ -d $CRI_RUNC_NS ]] || CRI_MADE_RUNC_NS=1
	mkdir -p "$CRI_DIR/bin" "$CRI_DIR/cni" "$CRI_DIR/logs"
	ln -s "$CT_SHIM" "$CRI_DIR/bin/containerd-shim-ptyshim-v1"
	export CRI_DIR CRI_SOCK CRI_CGROUP CRI_MADE_RUNC_NS CT_SHIM
	cri_write_config
	local why
	if ! why=$(cri_start_containerd); then
		CRI_SKIP=$why
		return 0
	fi
	if ! cri Version >/dev/null; then
		CRI_SKIP="containerd answers no CRI runtime.v1 calls"
		return 0
	fi
	cri_build_image
}

cri_teardown_file() {
	[[ -n ${CRI_DIR:-} && -d $CRI_DIR ]] || return 0
	local id m d pid
	# The pods go through CRI, as a kubelet removes them; a containerd that
	# a failed test left stopped is started again for that.
	if ! CRI_TIMEOUT=2 "$CRI_CALL" "$CRI_SOCK" Version >/dev/null 2>&1; then
		cri_stop_containerd
		cri_start_containerd >/dev/null
	fi
	for id in $(cri ListPodSandbox 2>/dev/null | jq -r '.items[].id'); do
		cri StopPodSandbox "{\"pod_sandbox_id\":\"$id\"}" >/dev/null 2>&1
		cri RemovePodSandbox "{\"pod_sandbox_id\":\"$id\"}" >/dev/null 2>&1
	done
	cri_stop_containerd
	# Last resort: the shims of this containerd (its socket is in their
	# command line) and their runc containers.
	for pid in $(pgrep -f -- "containerd-shim-ptyshim-v1 -namespace k8s.io -address $CRI_SOCK "); do
		id=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | sed -n '/^-id$/{n;p}')
		if [[ -n $id && -e $CRI_RUNC_NS/$id ]]; then
			runc --root "$CRI_RUNC_NS" kill "$id" KILL >/dev/null 2>&1
			runc --root "$CRI_RUNC_NS" delete -f "$id" >/dev/null 2>&1
		fi
		kill "$pid" 2>/dev/null
	done
	# What is still mounted under the directory, innermost first.
	awk -v d="$CRI_DIR/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r |
		while read -r m; do umount -l "$m"; done
	# The pods' cgroups (runc removes the containers' own; the parents are
	# the kubelet's to remove, here ours), innermost first.
	find /sys/fs/cgroup -mindepth 2 -maxdepth 5 -type d -path "*$CRI_CGROUP*" 2>/dev/null | sort -r |
		while read -r d; do rmdir "$d" 2>/dev/null; done
	[[ $CRI_MADE_RUNC_NS != 1 ]] || rmdir "$CRI_RUNC_NS" 2>/dev/null
	[[ ${CRI_KEEP:-} == 1 ]] || rm -rf "$CRI_DIR"
}

cri_setup() {
	[[ -z ${CRI_SKIP:-} ]] || skip "$CRI_SKIP"
	CRI_POD=""
}

# cri_teardown: removes the test's pods and what runs in them; on failure,
# the containerd log's shim lines and errors.
cri_teardown() {
	[[ -z ${CRI_SKIP:-} ]] || return 0
	local id
	for id in $(cri ListPodSandbox 2>/dev/null | jq -r '.items[].id'); do
		cri StopPodSandbox "{\"pod_sandbox_id\":\"$id\"}" >/dev/null 2>&1
		cri RemovePodSandbox "{\"pod_sandbox_id\":\"$id\"}" >/dev/null 2>&1
	done
	[[ -z ${BATS_TEST_COMPLETED:-} ]] || return 0
	echo "--- containerd log (shim lines and errors, last 30):"
	grep -E '^containerd-shim-ptyshim-v1:|level=(error|warning)' "$CRI_DIR/containerd.log" | grep -v 'cni\|devmapper' |
		cut -c1-400 | tail -30
}

# cri_pod_config NAME: the PodSandboxConfig a kubelet would send for a
# hostNetwork pod (no hostname: runc sets none without a UTS namespace).
cri_pod_config() {
	jq -n --arg n "$1" --arg logs "$CRI_DIR/logs/$1" --arg cg "$CRI_CGROUP/$1" \
		'{metadata: {name: $n, namespace: "ptyshim-test", uid: ("uid-" + $n), attempt: 0},
		  log_directory: $logs,
		  linux: {cgroup_parent: $cg, security_context: {namespace_options: {network: "NODE"}}}}'
}

# cri_run_pod NAME [HANDLER]: RunPodSandbox (handler $CRI_HANDLER, default ptyshim);
# sets CRI_POD (the id) and CRI_POD_CONFIG.
cri_run_pod() {
	CRI_POD_CONFIG=$(cri_pod_config "$1")
	mkdir -p "$CRI_DIR/logs/$1"
	local out
	out=$(cri RunPodSandbox "$(jq -n --argjson c "$CRI_POD_CONFIG" --arg h "${2:-${CRI_HANDLER:-ptyshim}}" \
		'{config: $c, runtime_handler: $h}')") || return 1
	CRI_POD=$(jq -r .pod_sandbox_id <<<"$out")
}

# cri_create NAME [JQ_OPTION...] FILTER: CreateContainer in CRI_POD with the
# ContainerConfig {metadata, image, log_path NAME.log} changed by the jq
# FILTER (e.g. '.command = ["sh"] | .tty = true'; the options before it go
# to jq, e.g. --arg s TEXT); prints the container's id.
cri_create() {
	local name=$1 cfg
	shift
	cfg=$(jq -n --arg n "$name" --arg img "$CRI_IMAGE" \
		'{metadata: {name: $n}, image: {image: $img}, log_path: ($n + ".log"), linux: {}}' | jq "$@") || return 1
	cri CreateContainer "$(jq -n --arg p "$CRI_POD" --argjson s "$CRI_POD_CONFIG" --argjson c "$cfg" \
		'{pod_sandbox_id: $p, sandbox_config: $s, config: $c}')" | jq -r .container_id
}

# cri_run NAME [JQ_OPTION...] FILTER: cri_create and StartContainer; prints
# the id.
cri_run() {
	local id
	id=$(cri_create "$@") && [[ -n $id ]] || return 1
	cri StartContainer "{\"container_id\":\"$id\"}" >/dev/null || return 1
	echo "$id"
}

# cri_status ID: the ContainerStatus's status, as JSON.
cri_status() { cri ContainerStatus "{\"container_id\":\"$1\"}" | jq -c .status; }

# cri_state ID: CONTAINER_RUNNING, CONTAINER_EXITED, ...
cri_state() { cri_status "$1" | jq -r .state; }

# cri_state_is ID STATE
cri_state_is() { [[ $(cri_state "$1") == "$2" ]]; }

# cri_log_path ID
cri_log_path() { cri_status "$1" | jq -r .log_path; }

# cri_log_has ID STREAM TAG TEXT: the container's CRI log has a record
# "TIME STREAM TAG TEXT" (tag F: a whole line, P: a part).
cri_log_has() {
	local f
	f=$(cri_log_path "$1") || return 1
	awk -v s="$2" -v t="$3" -v x="$4" '$2 == s && $3 == t && substr($0, index($0, " " s " " t " ") + length(s) + length(t) + 3) == x { ok = 1 } END { exit !ok }' "$f"
}

# cri_shim_pid ID: the pid of the ptyshim shim serving the task ID.
cri_shim_pid() {
	pgrep -f -- "containerd-shim-ptyshim-v1 -namespace k8s.io -address $CRI_SOCK .*-id $1( |\$)" | head -1
}
