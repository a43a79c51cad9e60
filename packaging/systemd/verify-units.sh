#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# systemd-analyze verify over Vigil's units. ExecStart= points at the
# daemons of the build directory given as $1 when they are built there, at
# /bin/true otherwise (systemd-analyze checks that the command exists).
# Exit 77 (skipped) without systemd-analyze.
set -eu
units_dir=$(cd "$(dirname "$0")" && pwd)
bin_dir=${1:-}
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "SKIP: systemd-analyze is not installed"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for unit in "$units_dir"/*.service; do
	name=$(basename "$unit")
	binary=$(sed -n 's#^ExecStart=/usr/sbin/##p' "$unit")
	if [ -n "$bin_dir" ] && [ -x "$bin_dir/$binary" ]; then
		target="$bin_dir/$binary"
	else
		target=/bin/true
		echo "note: $binary not built, $name checked with /bin/true"
	fi
	sed "s#^ExecStart=/usr/sbin/.*#ExecStart=$target#" "$unit" >"$tmp/$name"
done
out=$(systemd-analyze verify "$tmp"/*.service 2>&1) || {
	echo "$out"
	exit 1
}
# verify exits 0 on some problems it only prints; treat any line about our
# units as a failure, except for units other packages provide.
problems=$(printf '%s\n' "$out" | grep -F "$tmp" | grep -v -e 'corosync.service' \
	-e 'resource-agents-deps.target' -e 'pacemaker.service' || true)
if [ -n "$problems" ]; then
	echo "$problems"
	exit 1
fi
echo "units verified: $(cd "$tmp" && ls | tr '\n' ' ')"
