#!/bin/sh
# Installs the Debian packages that the build, the tests and the demo need,
# only when one is missing, so `make test` and `make demo` work on a fresh
# Debian 12 machine. Without root it only reports what is missing.
set -e
pkgs="build-essential runc crun busybox-static libreadline-dev libcmocka-dev libjson-c-dev libtsm-dev libsystemd-dev
bats socat tmux jq psmisc conmon podman asciinema clang libclang-rt-14-dev valgrind iproute2
protobuf-c-compiler libprotobuf-c-dev libprotobuf-dev golang-github-containerd-containerd-dev
golang-github-gogo-protobuf-dev golang-github-gogo-googleapis-dev containerd
python3-grpcio python3-protobuf python3-websocket"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "ptyshim: deps: missing Debian packages:$missing (run as root or install them)" >&2
	exit 1
fi
echo "ptyshim: deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
