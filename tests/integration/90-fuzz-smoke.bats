# Fuzz smoke (issue 8, item 1): every libFuzzer target replays its seed
# corpus (regression inputs included) and fuzzes for a moment, so CI notices
# a target that no longer builds, a regression seed that crashes again, or a
# bug that a second of fuzzing finds. `make fuzz` is the long run.
bats_require_minimum_version 1.5.0
load lib

FUZZ_SMOKE_SECONDS=${FUZZ_SMOKE_SECONDS:-1}

setup_file() {
	# Build once for every test here (run.sh builds incrementally anyway).
	cd "$ROOT" || return 1
	local rc=0
	tests/fuzz/run.sh 0 detach >"$BATS_FILE_TMPDIR/build.log" 2>&1 || rc=$?
	echo "$rc" >"$BATS_FILE_TMPDIR/build.rc"
}

setup() {
	local rc
	rc=$(cat "$BATS_FILE_TMPDIR/build.rc")
	if [[ $rc == 77 ]]; then
		skip "$(grep -m1 'fuzz:' "$BATS_FILE_TMPDIR/build.log" || echo "clang's libFuzzer is not available")"
	fi
	if [[ $rc != 0 ]]; then
		cat "$BATS_FILE_TMPDIR/build.log"
		fail "fuzz targets do not build (status $rc)"
	fi
	cd "$ROOT" || return 1
}

fuzz_smoke() {
	run tests/fuzz/run.sh "$FUZZ_SMOKE_SECONDS" "$1"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "fuzz smoke: cli" { fuzz_smoke cli; }
@test "fuzz smoke: ctl" { fuzz_smoke ctl; }
@test "fuzz smoke: detach" { fuzz_smoke detach; }
@test "fuzz smoke: k8sread" { fuzz_smoke k8sread; }
@test "fuzz smoke: asciicast" { fuzz_smoke asciicast; }
@test "fuzz smoke: attach" { fuzz_smoke attach; }
@test "fuzz smoke: screen" { fuzz_smoke screen; }
@test "fuzz smoke: ttrpc" { fuzz_smoke ttrpc; }

@test "fuzz smoke: every target has a smoke test and a seed corpus" {
	local f t
	for f in tests/fuzz/fuzz_*.c; do
		t=${f##*/fuzz_}
		t=${t%.c}
		grep -q "fuzz_smoke $t;" "$BATS_TEST_FILENAME" || fail "no smoke test for $t"
		[ -n "$(ls -A "tests/fuzz/corpus/$t" 2>/dev/null)" ] || fail "no seeds in tests/fuzz/corpus/$t"
	done
}
