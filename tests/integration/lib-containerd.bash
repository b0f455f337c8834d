# Helpers for 60-containerd.bats: a private containerd 1.6 (Debian's), started
# by the tests as root with its own config, root and state under a temp dir,
# driving bin/containerd-shim-ptyshim-v1 as the runtime io.containerd.ptyshim.v1.
#
# containerd finds the shim by name on its PATH: the directory CT_DIR/bin
# holds only a link to the shim under test. The image is made offline, an
# OCI archive of the busybox-static root (lib-podman.bash's pm_oci_archive:
# load it too) -> ctr images import.
#
# Every run has a namespace of its own (CONTAINERD_NAMESPACE, which ctr
# reads), so runc's state under /run/containerd/runc/NAMESPACE is never
# shared with another containerd on the machine. The shim runs runc through
# CT_DIR/bin/runc-wrap (PTYSHIM_CTRD_RUNC): plain runc, except that a
# `pause` waits 30 s while CT_DIR/hang-pause exists (a runc that hangs).
#
# Environment: CT_SHIM (default bin/containerd-shim-ptyshim-v1 of this tree),
# CT_KEEP=1 keeps CT_DIR (containerd's log is CT_DIR/containerd.log).

CT_REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
CT_IMAGE=localhost/ptyshim-ctrd-busybox:test
CT_RUNTIME=io.containerd.ptyshim.v1

# Why the file cannot run here, if it cannot.
ct_why_not() {
	local t
	for t in containerd ctr podman runc socat xxd; do
		command -v "$t" >/dev/null || { echo "$t is not installed"; return; }
	done
	if [[ $(id -u) != 0 ]]; then
		echo "needs root: containerd and runc containers"
	elif [[ ! -x /bin/busybox ]]; then
		echo "busybox-static is not installed (/bin/busybox)"
	fi
}

ct() { timeout -k 5 60 ctr -a "$CT_SOCK" "$@"; }

ct_write_config() {
	printf '%s\n' 'version = 2' \
		"root = \"$CT_DIR/root\"" \
		"state = \"$CT_DIR/state\"" \
		'disabled_plugins = ["io.containerd.grpc.v1.cri"]' \
		'[grpc]' "  address = \"$CT_SOCK\"" \
		'[ttrpc]' "  address = \"$CT_SOCK.ttrpc\"" \
		'[debug]' '  level = "debug"' >"$CT_DIR/config.toml"
}

# A runc whose pause can be made to hang (see the header).
ct_write_runc_wrapper() {
	printf '%s\n' '#!/bin/sh' \
		'# runc --root R --log L --log-format json SUBCOMMAND ...' \
		"if [ \"\$7\" = pause ] && [ -e '$CT_DIR/hang-pause' ]; then exec sleep 30; fi" \
		"exec runc \"\$@\"" >"$CT_DIR/bin/runc-wrap"
	chmod +x "$CT_DIR/bin/runc-wrap"
}

# Starts containerd (again, after ct_stop_containerd: same config, root
# and state); its log is appended to. fd 3 is bats' own: not for it.
ct_start_containerd() {
	ct_write_config
	PATH=$CT_DIR/bin:$PATH PTYSHIM_CTRD_RUNC=$CT_DIR/bin/runc-wrap \
		containerd --config "$CT_DIR/config.toml" >>"$CT_DIR/containerd.log" 2>&1 3>&- &
	CT_PID=$!
	echo "$CT_PID" >"$CT_DIR/containerd.pid"
	local i
	for ((i = 0; i < 100; i++)); do
		ctr -a "$CT_SOCK" version >/dev/null 2>&1 && return 0
		kill -0 "$CT_PID" 2>/dev/null || break
		sleep 0.2
	done
	echo "containerd did not start: $(tail -3 "$CT_DIR/containerd.log" | tr '\n' ' ')"
	return 1
}

# Stops containerd as a restart does (SIGTERM): its shims and their
# containers keep running.
ct_stop_containerd() {
	local pid
	pid=$(cat "$CT_DIR/containerd.pid") || return 1
	kill "$pid" || return 1
	for _ in {1..100}; do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	echo "containerd $pid did not stop"
	return 1
}

ct_build_image() {
	[[ -n $CT_DIR && -d $CT_DIR ]] || return 1
	local out
	out=$(pm_oci_archive "$CT_DIR" "$CT_IMAGE" '["/bin/sh"]' && ct images import "$CT_DIR/image.tar" 2>&1) ||
		{ echo "image: $out"; return 1; }
	rm -f "$CT_DIR/image.tar"
}

ct_setup_file() {
	CT_SKIP=$(ct_why_not)
	export CT_SKIP
	[[ -z $CT_SKIP ]] || return 0
	CT_SHIM=${CT_SHIM:-$CT_REPO/bin/containerd-shim-ptyshim-v1}
	if [[ ! -x $CT_SHIM ]]; then
		echo "CT_SHIM=$CT_SHIM is not an executable (run make first)"
		return 1
	fi
	CT_DIR=$(mktemp -d /tmp/ptyshim-ctrd.XXXXXX) || return 1
	CT_SOCK=$CT_DIR/containerd.sock
	CONTAINERD_NAMESPACE=ptyshim-test-${CT_DIR##*.}
	mkdir -p "$CT_DIR/bin"
	ln -s "$CT_SHIM" "$CT_DIR/bin/containerd-shim-ptyshim-v1"
	ct_write_runc_wrapper
	export CT_DIR CT_SOCK CT_SHIM CONTAINERD_NAMESPACE
	local why
	if ! why=$(ct_start_containerd); then
		CT_SKIP=$why
		return 0
	fi
	CT_PID=$(cat "$CT_DIR/containerd.pid")
	export CT_PID
	ct_build_image
}

ct_teardown_file() {
	[[ -n ${CT_DIR:-} && -d $CT_DIR ]] || return 0
	local id pid m
	for id in $(ct tasks ls -q 2>/dev/null); do
		ct tasks kill -s KILL "$id" >/dev/null 2>&1
		ct tasks delete -f "$id" >/dev/null 2>&1
	done
	for id in $(ct containers ls -q 2>/dev/null); do
		ct containers rm "$id" >/dev/null 2>&1
	done
	if [[ -f $CT_DIR/containerd.pid ]]; then
		pid=$(cat "$CT_DIR/containerd.pid")
		kill "$pid" 2>/dev/null
		for _ in {1..50}; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
	fi
	# Whatever is still mounted under the directory (the rootfs of a shim
	# that was killed), innermost first.
	awk -v d="$CT_DIR/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r |
		while read -r m; do umount -l "$m"; done
	rmdir "/run/containerd/runc/$CONTAINERD_NAMESPACE" 2>/dev/null
	[[ ${CT_KEEP:-} == 1 ]] || rm -rf "$CT_DIR"
}

ct_setup() {
	[[ -z ${CT_SKIP:-} ]] || skip "$CT_SKIP"
	CT_ID=ctrd-$BATS_TEST_NUMBER
}

ct_teardown() {
	[[ -z ${CT_SKIP:-} ]] || return 0
	ct tasks kill -s KILL "$CT_ID" >/dev/null 2>&1
	for _ in {1..20}; do
		ct tasks delete "$CT_ID" >/dev/null 2>&1 && break
		ct tasks ls -q | grep -qx "$CT_ID" || break
		sleep 0.1
	done
	ct containers rm "$CT_ID" >/dev/null 2>&1
	[[ -z ${BATS_TEST_COMPLETED:-} ]] || return 0
	echo "--- containerd log (shim lines and errors, last 30):"
	grep -E 'ptyshim|level=(error|warning)' "$CT_DIR/containerd.log" | tail -30
}

# ct_bundle ID: the task's bundle directory.
ct_bundle() {
	echo "$CT_DIR/state/io.containerd.runtime.v2.task/$CONTAINERD_NAMESPACE/$1"
}

# ct_shim_pid ID: the pid of the task's shim: its init's parent (the shim
# is its subreaper; its command line may be valgrind's).
ct_shim_pid() {
	local pid
	pid=$(ct tasks ls | awk -v id="$1" '$1 == id { print $2 }')
	[[ -n $pid ]] && ps -o ppid= -p "$pid" | tr -d ' '
}

# ct_shim_socket ID: the path of the shim's ttrpc socket (from the bundle).
ct_shim_socket() {
	local a
	a=$(cat "$(ct_bundle "$1")/address") || return 1
	echo "${a#unix://}"
}

# ct_ttrpc_send SOCKET HEX: sends the bytes (hex) and prints what came back,
# as hex bytes separated by spaces, until the shim closes or 2 s pass.
ct_ttrpc_send() {
	printf '%s' "$2" | xxd -r -p | timeout 5 socat -t 2 - "UNIX-CONNECT:$1" | od -An -v -tx1 | tr -s ' \n' ' '
}

# ct_hex STRING
ct_hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }

# ct_frame STREAM_ID HEX_BODY: a request frame (type 1) around the body.
ct_frame() {
	printf '%08x%08x0100%s' $((${#2} / 2)) "$1" "$2"
}

# ct_request SERVICE METHOD [PAYLOAD_HEX]: a ttrpc.Request body (protobuf;
# every field under 128 bytes).
ct_request() {
	local s m p=${3:-}
	s=$(ct_hex "$1")
	m=$(ct_hex "$2")
	printf '0a%02x%s12%02x%s' $((${#s} / 2)) "$s" $((${#m} / 2)) "$m"
	[[ -z $p ]] || printf '1a%02x%s' $((${#p} / 2)) "$p"
}

# ct_status_code HEX_RESPONSE: the status code of the first response frame
# (type 2, body starting with Response.status), or "none".
ct_status_code() {
	local b
	read -r -a b <<<"$1"
	if ((${#b[@]} >= 14)) && [[ ${b[8]} == 02 && ${b[10]} == 0a && ${b[12]} == 08 ]]; then
		echo $((16#${b[13]}))
	else
		echo none
	fi
}
