#!/usr/bin/env bats
# Kubernetes' CRI through containerd 1.6's CRI plugin with the runtime
# handler "ptyshim" (bin/containerd-shim-ptyshim-v1): the calls a kubelet
# makes for a hostNetwork pod (RunPodSandbox, CreateContainer,
# StartContainer, ExecSync, Exec and Attach with their streaming URLs as
# kubectl exec/attach use them, ContainerStatus, the CRI log file that
# kubectl logs reads, StopContainer, RemoveContainer, StopPodSandbox,
# RemovePodSandbox), the container stats, the update that the shim does not
# serve yet, and containerd restarting under running pods (their stdio
# goes on).
#
# containerd runs privately (lib-cri.bash); every test skips with the reason
# when it cannot start (not root, no python3-grpcio, ...).

bats_require_minimum_version 1.5.0

load lib
load lib-podman
load lib-cri

setup_file() {
	cri_setup_file
}

teardown_file() {
	cri_teardown_file
}

setup() {
	cri_setup
}

teardown() {
	cri_teardown
}

# An interactive ash asks the terminal where the cursor is (ESC[6n) after
# each prompt and takes what is typed meanwhile for the answer: the
# terminal tests type at a script, which waits for the size it expects.
SIZE_SH='size() { i=0; while [ "$(stty size 2>/dev/null)" != "$1" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done; stty size; }'

@test "RunPodSandbox: handler ptyshim runs the pod's sandbox under containerd-shim-ptyshim-v1" {
	cri_run_pod pod
	run -0 cri PodSandboxStatus "{\"pod_sandbox_id\":\"$CRI_POD\"}"
	[ "$(jq -r .status.state <<<"$output")" = SANDBOX_READY ] || fail "$output"
	[ "$(jq -r .status.runtime_handler <<<"$output")" = ptyshim ] || fail "$output"
	run -0 cri_ctr containers info "$CRI_POD"
	[ "$(jq -r .Runtime.Name <<<"$output")" = io.containerd.ptyshim.v1 ] || fail "$output"
	local shim
	shim=$(cri_shim_pid "$CRI_POD")
	[ -n "$shim" ] || fail "no ptyshim shim serves $CRI_POD"
	run -0 pgrep -P "$shim" -x sleep
	# Pod stats are read from the pod's cgroup, the process count through
	# the shim's Pids.
	run -0 cri PodSandboxStats "{\"pod_sandbox_id\":\"$CRI_POD\"}"
	[ "$(jq -r .stats.linux.memory.working_set_bytes.value <<<"$output")" -gt 0 ] || fail "$output"
}

@test "a terminal container: attach with a resize and typing, the CRI log, the exit code" {
	cri_run_pod pod
	local id url
	id=$(cri_run c1 --arg s "$SIZE_SH" '.command = ["/bin/sh", "-c", ($s + "; echo ready; size \"40 120\"; read a; echo \"typed:$a\"; exit 5")] | .tty = true | .stdin = true')
	[ "$(cri_state "$id")" = CONTAINER_RUNNING ] || fail "$(cri_status "$id")"
	wait_for -m "ready in the log" cri_log_has "$id" stdout F ready
	url=$(cri Attach "{\"container_id\":\"$id\",\"tty\":true,\"stdin\":true,\"stdout\":true}" | jq -r .url)
	[[ $url == http://127.0.0.1:*/attach/* ]] || fail "url: $url"
	run -0 cri_stream "$url" --size 120x40 --input 'hello\r'
	[[ $output == *"40 120"*"typed:hello"* ]] || fail "attach: $output"
	wait_for -m "the container exited" cri_state_is "$id" CONTAINER_EXITED
	[ "$(cri_status "$id" | jq -r .exit_code)" = 5 ] || fail "$(cri_status "$id")"
	# The plugin writes the terminal's lines without their \r.
	cri_log_has "$id" stdout F "40 120" || fail "$(cat "$(cri_log_path "$id")")"
	cri_log_has "$id" stdout F typed:hello || fail "$(cat "$(cri_log_path "$id")")"
}

@test "ExecSync: stdout and stderr apart, the exit code, and a timeout kills" {
	cri_run_pod pod
	local id
	id=$(cri_run c1 '.command = ["/bin/sleep", "1000"]')
	run -0 cri ExecSync "{\"container_id\":\"$id\",\"cmd\":[\"sh\",\"-c\",\"echo out; echo err >&2; exit 3\"],\"timeout\":10}"
	[ "$(jq -r '.stdout | @base64d' <<<"$output")" = out ] || fail "$output"
	[ "$(jq -r '.stderr | @base64d' <<<"$output")" = err ] || fail "$output"
	[ "$(jq -r .exit_code <<<"$output")" = 3 ] || fail "$output"
	run -1 cri ExecSync "{\"container_id\":\"$id\",\"cmd\":[\"sleep\",\"77\"],\"timeout\":1}"
	[[ $output == *"timeout 1s exceeded"* ]] || fail "$output"
	run -1 pgrep -f '^sleep 77$'
}

@test "Exec with a terminal (kubectl exec -it): its size, typing, the exit code" {
	cri_run_pod pod
	local id url
	id=$(cri_run c1 '.command = ["/bin/sleep", "1000"]')
	url=$(cri Exec "$(jq -n --arg id "$id" --arg s "$SIZE_SH" \
		'{container_id: $id, cmd: ["sh", "-c", ($s + "; size \"30 100\"; tty; read a; echo \"exec:$a\"; exit 7")], tty: true, stdin: true, stdout: true}')" | jq -r .url)
	[[ $url == http://127.0.0.1:*/exec/* ]] || fail "url: $url"
	run -7 cri_stream "$url" --size 100x30 --input 'typed\r'
	[[ $output == *"30 100"*"/dev/pts/"*"exec:typed"* ]] || fail "$output"
}

@test "Exec without a terminal (kubectl exec -i): stdin, stdout and stderr apart, the exit code" {
	cri_run_pod pod
	local id url
	id=$(cri_run c1 '.command = ["/bin/sleep", "1000"]')
	url=$(cri Exec "$(jq -n --arg id "$id" \
		'{container_id: $id, cmd: ["sh", "-c", "read a; read b; echo \"$b-$a\"; echo err >&2; exit 4"], stdin: true, stdout: true, stderr: true}')" | jq -r .url)
	run -4 --separate-stderr cri_stream "$url" --input 'one\ntwo\n'
	[ "$output" = two-one ] || fail "stdout: '$output'"
	[ "$stderr" = err ] || fail "stderr: '$stderr'"
}

@test "a pipe container: the CRI log (stdout, stderr, a part line); StopContainer: TERM, then KILL after the timeout" {
	cri_run_pod pod
	local id id2
	id=$(cri_run c1 '.command = ["/bin/sh", "-c", "echo hi; echo oops >&2; printf part; exec sleep 1000"]')
	wait_for -m "stdout and stderr in the log" cri_log_has "$id" stderr F oops
	cri_log_has "$id" stdout F hi || fail "$(cat "$(cri_log_path "$id")")"
	run -0 cri StopContainer "{\"container_id\":\"$id\",\"timeout\":10}"
	[ "$(cri_status "$id" | jq -r '[.state, .exit_code] | join(" ")')" = "CONTAINER_EXITED 143" ] || fail "$(cri_status "$id")"
	# The plugin writes a line without its end once the stream ends.
	wait_for -m "the part line" cri_log_has "$id" stdout P part
	id2=$(cri_run c2 '.command = ["/bin/sh", "-c", "trap \"\" TERM; echo trapped; while :; do sleep 0.1; done"]')
	wait_for cri_log_has "$id2" stdout F trapped
	run -0 cri StopContainer "{\"container_id\":\"$id2\",\"timeout\":1}"
	[ "$(cri_status "$id2" | jq -r '[.state, .exit_code] | join(" ")')" = "CONTAINER_EXITED 137" ] || fail "$(cri_status "$id2")"
	run -0 cri RemoveContainer "{\"container_id\":\"$id\"}"
	run -0 cri RemoveContainer "{\"container_id\":\"$id2\"}"
	run -0 cri ListContainers
	[ "$(jq '.containers | length' <<<"$output")" = 0 ] || fail "$output"
	[ ! -e "$CRI_RUNC_NS/$id" ] || fail "runc state of $id left"
	[ -z "$(cri_shim_pid "$id")" ] || fail "the shim of $id is still running"
}

@test "ContainerStats and ListContainerStats: the container's CPU and memory (the shim's Stats)" {
	cri_run_pod pod
	local id
	id=$(cri_run c1 '.command = ["/bin/sh", "-c", "x=$(head -c 2000000 /dev/zero | tr \"\\\\0\" a); sleep 1000"]')
	run -0 cri ContainerStats "{\"container_id\":\"$id\"}"
	[ "$(jq -r .stats.memory.working_set_bytes.value <<<"$output")" -gt 0 ] || fail "$output"
	[ "$(jq -r .stats.cpu.usage_core_nano_seconds.value <<<"$output")" -gt 0 ] || fail "$output"
	run -0 cri ListContainerStats
	[ "$(jq -r --arg id "$id" '.stats[] | select(.attributes.id == $id) | .memory.working_set_bytes.value' <<<"$output")" -gt 0 ] ||
		fail "$output"
}

@test "not served yet: UpdateContainerResources (UNIMPLEMENTED); ReopenContainerLog works" {
	cri_run_pod pod
	local id
	id=$(cri_run c1 '.command = ["/bin/sleep", "1000"]')
	run -1 cri UpdateContainerResources "{\"container_id\":\"$id\",\"linux\":{\"cpu_shares\":512}}"
	[[ $output == "UNIMPLEMENTED: "*"method Update: not implemented"* ]] || fail "$output"
	run -0 cri ReopenContainerLog "{\"container_id\":\"$id\"}"
}

@test "StopPodSandbox and RemovePodSandbox: the shims end, nothing of runc's or mounted is left" {
	cri_run_pod pod
	local id pod=$CRI_POD
	id=$(cri_run c1 '.command = ["/bin/sleep", "1000"]')
	run -0 cri StopPodSandbox "{\"pod_sandbox_id\":\"$pod\"}"
	[ "$(cri_state "$id")" = CONTAINER_EXITED ] || fail "$(cri_status "$id")"
	run -0 cri RemovePodSandbox "{\"pod_sandbox_id\":\"$pod\"}"
	run -0 cri ListPodSandbox
	[ "$(jq '.items | length' <<<"$output")" = 0 ] || fail "$output"
	wait_for -m "the shims gone" sh -c "! pgrep -f -- '-address $CRI_SOCK .*-id ($pod|$id)' >/dev/null"
	[ ! -e "$CRI_RUNC_NS/$pod" ] && [ ! -e "$CRI_RUNC_NS/$id" ] || fail "runc state left: $(ls "$CRI_RUNC_NS")"
	run -1 grep -F -e "$pod" -e "$id" /proc/self/mounts
}

@test "containerd restarts under a running pod: the pod and its containers go on, ExecSync works" {
	cri_run_pod pod
	local id
	id=$(cri_run c1 '.command = ["/bin/sleep", "1000"]')
	cri_stop_containerd
	cri_start_containerd
	run -0 cri PodSandboxStatus "{\"pod_sandbox_id\":\"$CRI_POD\"}"
	[ "$(jq -r .status.state <<<"$output")" = SANDBOX_READY ] || fail "$output"
	[ "$(cri_state "$id")" = CONTAINER_RUNNING ] || fail "$(cri_status "$id")"
	run -0 cri ExecSync "{\"container_id\":\"$id\",\"cmd\":[\"echo\",\"after\"],\"timeout\":10}"
	[ "$(jq -r '.stdout | @base64d' <<<"$output")" = after ] || fail "$output"
}

# The shim holds a write end of each stdin fifo and a read end of each
# output fifo, as containerd's runc shim does: containerd going away is
# neither the end of a container's input nor a broken pipe for its output.
@test "containerd restarts: a container's open stdin stays open" {
	cri_run_pod pod
	local id
	id=$(cri_run c1 '.command = ["/bin/cat"] | .stdin = true')
	cri_stop_containerd
	cri_start_containerd
	[[ $(cri_state "$id") == CONTAINER_RUNNING ]] || fail "stdin ended when containerd stopped: $(cri_status "$id")"
	local url
	url=$(cri Attach "{\"container_id\":\"$id\",\"stdin\":true,\"stdout\":true}" | jq -r .url)
	run -0 cri_stream "$url" --input 'again\n' --until again --timeout 10
	[ "$(cri_state "$id")" = CONTAINER_RUNNING ] || fail "$(cri_status "$id")"
}

@test "containerd restarts: what a container writes meanwhile and after reaches the log" {
	cri_run_pod pod
	local id
	id=$(cri_run c1 '.command = ["/bin/sh", "-c", "i=0; while :; do echo tick $i; i=$((i + 1)); sleep 0.1; done"]')
	wait_for cri_log_has "$id" stdout F "tick 3"
	cri_stop_containerd
	sleep 1 # the container writes while containerd is away
	cri_start_containerd
	local f n
	f=$(cri_log_path "$id")
	n=$(wc -l <"$f")
	wait_for -t 5 -m "new log lines after line $n" sh -c "[ \$(wc -l <'$f') -gt $((n + 5)) ]"
	# In order, and what the fifo kept while containerd was away is there
	# (containerd may lose the line it had read but not written when it
	# stopped, or cut it into a part record: at most two gaps are let pass).
	run awk '$2 == "stdout" && $3 == "F" && $4 == "tick" { if ($5 < n) { print "tick " $5 " after " n - 1; exit 1 } if ($5 > n) print "gap before tick " $5; gaps += $5 > n; n = $5 + 1 }
		END { if (gaps > 2) { print gaps " gaps"; exit 1 } }' "$f"
	[ "$status" -eq 0 ] || fail "the log: $output"
}
