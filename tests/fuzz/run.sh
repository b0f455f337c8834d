#!/bin/bash
# tests/fuzz/run.sh [SECONDS] [TARGET...]: build the libFuzzer targets
# (tests/fuzz/fuzz_*.c, with ASan and UBSan, into build-fuzz/) and run each
# for SECONDS (default 60), starting from its seed corpus
# tests/fuzz/corpus/<name>/. Every seed is replayed first, so a regression
# input fails the run even with SECONDS=0.
#
# New interesting inputs go to build-fuzz/corpus/<name>/ (never into the
# repo); crashes, leaks and timeouts to build-fuzz/artifacts/<name>/. For a
# crash: minimize it (build-fuzz/fuzz_<name> -minimize_crash=1 -runs=10000
# FILE), add the result to tests/fuzz/corpus/<name>/ as regress-<what>, and
# report the bug.
#
# Environment: FUZZ_CC (default clang), FUZZ_BUILD (default build-fuzz),
# FUZZ_JOBS (parallel targets, default 1), FUZZ_ARGS (extra libFuzzer flags).
# Exit status: 0 when every target ran clean, 1 when one failed, 2 when the
# targets cannot be built, 77 when clang or its libFuzzer is missing.
set -u
cd "$(dirname "$0")/../.." || exit 2
SECONDS_EACH=${1:-60}
shift 2>/dev/null || true
FUZZ_CC=${FUZZ_CC:-clang}
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
export FUZZ_CC FUZZ_BUILD

if ! [[ $SECONDS_EACH =~ ^[0-9]+$ ]]; then
	echo "usage: tests/fuzz/run.sh [SECONDS] [TARGET...]" >&2
	exit 2
fi

probe_dir=$(mktemp -d) || exit 2
trap 'rm -rf "$probe_dir"' EXIT

if ! make -s -j"$(nproc)" -f tests/fuzz/fuzz.mk >"$probe_dir/build.log" 2>&1; then
	# Is it clang's libFuzzer that is missing, or our code that is broken?
	printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' \
		>"$probe_dir/probe.c"
	if ! command -v "$FUZZ_CC" >/dev/null ||
		! "$FUZZ_CC" -fsanitize=fuzzer,address,undefined -o "$probe_dir/probe" "$probe_dir/probe.c" \
			2>"$probe_dir/err"; then
		echo "fuzz: $FUZZ_CC with libFuzzer (-fsanitize=fuzzer) is not available:" \
			"$(head -c 300 "$probe_dir/err" 2>/dev/null | tr '\n' ' ')" >&2
		exit 77
	fi
	cat "$probe_dir/build.log" >&2
	echo "fuzz: build failed" >&2
	exit 2
fi

targets=("$@")
if ((${#targets[@]} == 0)); then
	for f in tests/fuzz/fuzz_*.c; do
		t=${f##*/fuzz_}
		targets+=("${t%.c}")
	done
fi

# Largest input per target: the stream-shaped ones need room for long
# lines and multi-record chunks; the argv and scripts stay small.
max_len() {
	case $1 in
	k8sread | asciicast) echo 65536 ;;
	*) echo 4096 ;;
	esac
}

run_one() {
	local t=$1 bin=$FUZZ_BUILD/fuzz_$1 seeds=tests/fuzz/corpus/$1
	local work=$FUZZ_BUILD/corpus/$t art=$FUZZ_BUILD/artifacts/$t log=$FUZZ_BUILD/logs/$t.log
	mkdir -p "$work" "$art" "${log%/*}"
	if [[ ! -x $bin ]]; then
		echo "fuzz $t: no such target ($bin)"
		return 1
	fi
	local common=(-close_fd_mask=3 -timeout=10 -rss_limit_mb=2048 -max_len="$(max_len "$t")"
		-artifact_prefix="$art/" ${FUZZ_ARGS:-})
	# 1. Every seed once, in one process (LeakSanitizer checks at its exit);
	# on a failure, one process per seed to name the culprit.
	local seeds_list=()
	if [[ -d $seeds ]]; then
		mapfile -t seeds_list < <(find "$seeds" -type f | sort)
	fi
	if ((${#seeds_list[@]} > 0)) && ! "$bin" "${common[@]}" -runs=1 "${seeds_list[@]}" >"$log" 2>&1; then
		local s
		for s in "${seeds_list[@]}"; do
			if ! "$bin" "${common[@]}" -runs=1 "$s" >"$log" 2>&1; then
				echo "fuzz $t: FAILED on seed $s"
				grep -E '^(==[0-9]+==ERROR|SUMMARY|    #[0-9] )' "$log" | head -12 | sed 's/^/  /'
				return 1
			fi
		done
		echo "fuzz $t: FAILED replaying the seeds together (each alone passes); log $log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|    #[0-9] )' "$log" | head -12 | sed 's/^/  /'
		return 1
	fi
	# 2. Fuzzing proper.
	if ((SECONDS_EACH == 0)); then
		echo "fuzz $t: ${#seeds_list[@]} seeds ok"
		return 0
	fi
	local rc=0
	"$bin" "${common[@]}" -max_total_time="$SECONDS_EACH" -print_final_stats=1 "$work" ${seeds_list:+"$seeds"} \
		>"$log" 2>&1 || rc=$?
	local runs
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	if ((rc != 0)); then
		echo "fuzz $t: FAILED after ${runs:-?} runs (status $rc); artifacts in $art/, log $log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|    #[0-9] |artifact_prefix|Test unit written)' "$log" | head -14 | sed 's/^/  /'
		return 1
	fi
	echo "fuzz $t: ok, ${runs:-?} runs in ${SECONDS_EACH}s, corpus $(find "$work" -type f | wc -l) inputs"
}

failed=0
jobs_max=${FUZZ_JOBS:-1}
if ((jobs_max <= 1)); then
	for t in "${targets[@]}"; do
		run_one "$t" || failed=$((failed + 1))
	done
else
	pids=()
	for t in "${targets[@]}"; do
		run_one "$t" >"$probe_dir/out-$t" 2>&1 &
		pids+=($!)
		while (($(jobs -rp | wc -l) >= jobs_max)); do wait -n; done
	done
	for i in "${!pids[@]}"; do
		wait "${pids[i]}" || failed=$((failed + 1))
		cat "$probe_dir/out-${targets[i]}"
	done
fi
if ((failed > 0)); then
	echo "fuzz: $failed of ${#targets[@]} targets failed"
	exit 1
fi
echo "fuzz: ${#targets[@]} targets ok"
