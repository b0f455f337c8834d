# Differential test against the oracle: each command line runs under
# /usr/bin/conmon (2.1.6) and under the shim, and both must end the same
# way: the same exit status, conmon's message (without its "[conmon:e]" or
# "conmon:" prefix) verbatim in the shim's stderr, the same log files made.
# The runtime is a script that only exits 1, so nothing ever starts: an
# accepted command line shows as exit 0 (the daemonizing parent's; for
# ptyshim, whose parent waits, its report of that runtime failure) and a
# refused one as exit 1 with a message. The `differs` cases are the ones
# ptyshim changes on purpose (README, "differs from conmon on purpose"):
# they check what both do, so the list stays true.
bats_require_minimum_version 1.5.0
load lib

CONMON=${CONMON:-/usr/bin/conmon}

setup() {
	common_setup
	[[ -x $CONMON ]] || skip "$CONMON is not installed: no oracle to compare with"
	require_shim
	is_ptyshim || skip "SHIM=$SHIM is conmon itself: nothing to compare"
	D=$BATS_TEST_TMPDIR
	L=$D/logs
	mkdir -p "$D/b" "$D/exits"
	RT=$D/runtime
	printf '#!/bin/sh\nexit 1\n' >"$RT"
	chmod +x "$RT"
	CID=$(new_cid)
	# Long enough for journald's check (> 12 characters).
	[[ ${#CID} -gt 12 ]] || fail "container id $CID is too short for these tests"
	V=(-c "$CID" -u "$CID" -r "$RT" -b "$D/b" --exit-dir "$D/exits" --full-attach)
}

teardown() {
	common_teardown
}

# run_shim NAME BIN ARG...: one run in the empty directory $L (bare -l
# paths land there), no pipes from a manager, a UTF-8 locale (glib's
# quotes). Sets NAME_rc, NAME_msg (the whole output) and NAME_files.
run_shim() {
	local name=$1 bin=$2 rc=0
	shift 2
	rm -rf "$L"
	mkdir -p "$L"
	(cd "$L" && exec env -u _OCI_SYNCPIPE -u _OCI_STARTPIPE -u _OCI_ATTACHPIPE LC_ALL=C.UTF-8 \
		"$bin" "$@" </dev/null >"$D/$name.out" 2>"$D/$name.err") || rc=$?
	# Without a sync pipe ptyshim's launcher waits for its daemon and reports
	# the runtime's failure, where conmon's leaves at once with 0: that
	# report shows the command line was accepted and the runtime run, which
	# is what conmon's 0 means here.
	if [[ $name == p && $rc == 1 && $(tail -1 "$D/$name.err") == "ptyshim: runtime $RT failed with exit status 1" ]]; then
		rc=0
	fi
	printf -v "${name}_rc" '%s' "$rc"
	printf -v "${name}_msg" '%s' "$(cat "$D/$name.out" "$D/$name.err")"
	printf -v "${name}_files" '%s' "$(ls -A "$L" | paste -sd,)"
}

# conmon_text: conmon's one message without its prefix, and without the
# strerror text that pexit appends after a space (ptyshim puts ": " there).
conmon_text() {
	sed -n -e 's/^\[conmon:e\]:\{0,1\} //p' -e 's/^conmon: //p' "$D/c.err" "$D/c.out" | head -1 |
		sed -E 's/ (No such file or directory|Permission denied)$//'
}

show() {
	echo "conmon : status $c_rc, files [$c_files]: $c_msg"
	echo "ptyshim: status $p_rc, files [$p_files]: $p_msg"
}

# same ARG...: conmon and ptyshim agree.
same() {
	run_shim c "$CONMON" "$@"
	run_shim p "$SHIM" "$@"
	show
	[ "$c_rc" = "$p_rc" ] || fail "exit status differs"
	local text
	text=$(conmon_text)
	if [[ -n $text ]]; then
		grep -qF -- "$text" "$D/p.err" || fail "conmon's message '$text' is not in ptyshim's stderr"
	fi
	[ "$c_files" = "$p_files" ] || fail "the log files differ"
}

# differs CONMON_STATUS PTYSHIM_STATUS PTYSHIM_REGEX ARG...: a difference on
# purpose; both sides are checked.
differs() {
	local want_c=$1 want_p=$2 re=$3
	shift 3
	run_shim c "$CONMON" "$@"
	run_shim p "$SHIM" "$@"
	show
	[ "$c_rc" = "$want_c" ] || fail "conmon no longer exits $want_c here"
	[ "$p_rc" = "$want_p" ] || fail "ptyshim should exit $want_p"
	grep -Eq -- "$re" <<<"$p_msg" || fail "ptyshim's output does not match /$re/"
}

# ------------------------------------------------------------ -l forms

@test "diff -l k8s-file:PATH" { same "${V[@]}" -l "k8s-file:$L/a"; }
@test "diff -l PATH (bare)" { same "${V[@]}" -l "$L/a"; }
@test "diff -l relative word is a k8s-file in the cwd" { same "${V[@]}" -l foo; }
@test "diff -l :PATH" { same "${V[@]}" -l ":$L/a"; }
@test "diff -l ::PATH" { same "${V[@]}" -l "::$L/a"; }
@test "diff -l k8s-file::PATH" { same "${V[@]}" -l "k8s-file::$L/a"; }
@test "diff -l none" { same "${V[@]}" -l none; }
@test "diff -l none:" { same "${V[@]}" -l none:; }
@test "diff -l off:" { same "${V[@]}" -l off:; }
@test "diff -l null:" { same "${V[@]}" -l null:; }
@test "diff -l none:PATH ignores the path" { same "${V[@]}" -l "none:$L/a"; }
@test "diff -l :none is a file called none" { same "${V[@]}" -l :none; }
@test "diff -l passthrough" { same "${V[@]}" -l passthrough; }
@test "diff -l passthrough:" { same "${V[@]}" -l passthrough:; }
@test "diff -l :journald is a file called journald" { same "${V[@]}" -l :journald; }
@test "diff -l journald" { same "${V[@]}" -l journald; }
@test "diff -l journald:PATH ignores the path" { same "${V[@]}" -l "journald:$L/ignored"; }
@test "diff -l journald with k8s-file and --log-tag" { same "${V[@]}" -l journald -l "k8s-file:$L/a" --log-tag t; }
@test "diff -l journald with a 12-character id" { same -c 0123456789ab -u x -r "$RT" -l journald; }
@test "diff -l journald: with a short id after -l none" { same -c short -u x -r "$RT" -l none -l journald:; }
@test "diff -l foo:bar (unknown driver)" { same "${V[@]}" -l foo:bar; }
@test "diff -l '' (blank)" { same "${V[@]}" -l ''; }
@test "diff -l ':'" { same "${V[@]}" -l :; }
@test "diff -l '::'" { same "${V[@]}" -l ::; }
@test "diff -l k8s-file (no path)" { same "${V[@]}" -l k8s-file; }
@test "diff -l k8s-file: (blank path)" { same "${V[@]}" -l k8s-file:; }
@test "diff -l PATH:WITH:COLON without a driver" { same "${V[@]}" -l "$L/a:b"; }
@test "diff several -l, one none" { same "${V[@]}" -l "k8s-file:$L/a" -l none; }
@test "diff one bad -l among several: the first bad one is named" {
	same "${V[@]}" -l "k8s-file:$L/a" -l foo:x -l bar:y
}
@test "diff a blank -l before a bad one" { same "${V[@]}" -l '' -l foo:x; }
@test "diff -l k8s-file in a missing directory" { same "${V[@]}" -l "k8s-file:$D/no/such/dir/log"; }
@test "diff no -l at all" { same "${V[@]}"; }

@test "differs: a k8s-file path keeps its colons (conmon cuts it at the second one)" {
	differs 0 0 '' "${V[@]}" -l "k8s-file:$L/a:b"
	[ "$c_files" = a ]
	[ "$p_files" = a:b ]
}
@test "differs: several k8s-file logs are all written (conmon keeps the last)" {
	differs 0 0 '' "${V[@]}" -l "k8s-file:$L/one" -l "k8s-file:$L/two"
	[ "$c_files" = two ]
	[ "$p_files" = one,two ]
}
@test "differs: asciicast:PATH is ptyshim's own driver" {
	differs 1 0 '' "${V[@]}" -l "asciicast:$L/cast"
	[[ $c_msg == *"No such log driver asciicast"* ]]
	[ "$p_files" = cast ]
}
@test "differs: passthrough with --terminal (conmon drops the terminal's output)" {
	differs 0 1 'passthrough cannot be used with --terminal' "${V[@]}" -l passthrough -t
}

@test "diff passthrough when fd 0-2 is a tty" {
	command -v script >/dev/null || skip "script(1) is not installed"
	local bin out
	for bin in "$CONMON" "$SHIM"; do
		out=$(cd "$D" && script -qec "$(printf '%q ' "$bin" "${V[@]}" -l passthrough); echo rc=\$?" /dev/null)
		echo "$bin: $out"
		[[ $out == *"cannot use a tty with passthrough logging mode to prevent attacks via TIOCSTI"* ]]
		[[ $out == *rc=1* ]]
	done
}

# ------------------------------------------------------------ conmon's checks

@test "diff no --cid" { same -u x -r "$RT" -l none; }
@test "diff no --cuuid" { same -c x -r "$RT" -l none; }
@test "diff no --runtime" { same -c x -u x -l none; }
@test "diff --runtime that does not exist" { same -c x -u x -r /nonexistent/runc -l none; }
@test "diff --runtime that is not executable" { same -c x -u x -r /etc/passwd -l none; }
@test "diff -e without --exec-process-spec" { same "${V[@]}" -l none -e; }
@test "diff --exec-attach without -e" { same "${V[@]}" -l none --exec-attach; }
@test "diff --exec-attach without --api-version" {
	same "${V[@]}" -l none -e --exec-attach --exec-process-spec "$D/spec"
}
@test "diff --restore with -e" { same "${V[@]}" -l none -e --restore "$D/ck" --exec-process-spec "$D/spec"; }
@test "diff legacy exec needs no --cuuid" {
	# With -b: without one conmon's exec has no bundle (no fifos), ptyshim's uses the cwd.
	same -c "$CID" -r "$RT" -b "$D/b" -l none -e --exec-process-spec "$D/spec"
}
@test "diff bad --log-level" { same "${V[@]}" -l none --log-level loud; }
@test "diff --log-level in any case" { same "${V[@]}" -l none --log-level WaRn; }
@test "differs: --log-tag with k8s-file is refused before the log file is made" {
	differs 1 1 "k8s-file doesn't support --log-tag" "${V[@]}" -l "k8s-file:$L/a" --log-tag t
	[[ $c_msg == *"k8s-file doesn't support --log-tag"* ]]
	[ "$c_files" = a ]
	[ -z "$p_files" ]
}
@test "diff --log-tag with none" { same "${V[@]}" -l none --log-tag t; }
@test "diff negative --exit-delay" { same "${V[@]}" -l none --exit-delay -1; }
@test "diff large --exit-delay" { same "${V[@]}" -l none --exit-delay 100000; }
@test "diff order: --log-level is checked before --exit-delay and -l" {
	same "${V[@]}" -l foo:x --exit-delay -1 --log-level loud
}
@test "diff order: --exit-delay before -l" { same "${V[@]}" -l foo:x --exit-delay -1; }
@test "diff order: --cuuid before --runtime" { same -c x -l none; }
@test "differs: --exec-attach without _OCI_ATTACHPIPE is refused before daemonizing" {
	# conmon's first process exits 0 and its monitor dies with the message.
	differs 0 1 '--attach specified but _OCI_ATTACHPIPE was not' \
		--api-version "${V[@]}" -l none -e --exec-attach --exec-process-spec "$D/spec"
	[[ $c_msg == *"--attach specified but _OCI_ATTACHPIPE was not"* ]]
}

# ------------------------------------------------------------ glib's rules

@test "diff unknown long option" { same "${V[@]}" -l none --bogus; }
@test "diff unknown short option" { same "${V[@]}" -l none -x; }
@test "diff abbreviated long option" { same "${V[@]}" -l none --ter; }
@test "diff long option missing its value" { same "${V[@]}" -l none --timeout; }
@test "diff short option missing its value in a group" { same "${V[@]}" -l none -tic; }
@test "diff short option with an attached value" { same "${V[@]}" -l none -T5; }
@test "diff two value options in one group" { same "${V[@]}" -l none -cu a b; }
@test "diff group whose value option takes the next element" { same "${V[@]}" -lt none; }
@test "diff --flag=value" { same "${V[@]}" -l none --terminal=no; }
@test "diff --timeout not a number" { same "${V[@]}" -l none --timeout abc; }
@test "diff --timeout out of range" { same "${V[@]}" -l none --timeout 99999999999; }
@test "diff --timeout in hex, negative, with blanks" {
	same "${V[@]}" -l none --timeout 0x10
	same "${V[@]}" -l none -T -5
	same "${V[@]}" -l none --timeout ' 5'
}
@test "diff --log-size-max junk, negative" {
	same "${V[@]}" -l none --log-size-max 10k
	same "${V[@]}" -l none --log-size-max -5
}
@test "diff stray positional arguments and --" { same "${V[@]}" -l none --api-version 1 x -- -t --bogus; }
@test "diff --help, -h, -? exit 0" {
	same --help
	same -h
	same "${V[@]}" '-?' --bogus
}
@test "diff --version, and an error before it" {
	same --version
	[ "$(head -1 "$D/p.out")" = "$(head -1 "$D/c.out")" ]
	same --bogus --version
}
