#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# check-deb.sh BUILD_DIR: runs cpack -G DEB for BUILD_DIR in a temporary
# directory and checks the package: the daemons, the tools and the units are
# where Debian expects them, and the control file declares its dependencies.
# Exits 77 (skipped) when cpack or dpkg-deb is missing.
set -euo pipefail
build=$1
command -v cpack >/dev/null && command -v dpkg-deb >/dev/null || {
  echo "cpack or dpkg-deb missing: skipped"; exit 77; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$out" >"$out/cpack.log" 2>&1 ||
  { cat "$out/cpack.log"; exit 1; }
deb=$(ls "$out"/vigil_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { echo "no .deb produced"; cat "$out/cpack.log"; exit 1; }
contents=$(dpkg-deb -c "$deb")
missing=0
for f in ./usr/sbin/vigild ./usr/sbin/vigil-cib ./usr/sbin/vigil-stonithd ./usr/sbin/vigil-lrmd \
         ./usr/sbin/vigil-pengine ./usr/sbin/vigil-crmd ./usr/bin/vigil ./usr/bin/vigil-simulate \
         ./usr/lib/systemd/system/vigil.service ./usr/lib/systemd/system/vigil-crmd.service \
         ./usr/lib/systemd/system/vigil-stonithd.service \
         ./usr/libexec/vigil/agent-tools/vigil-agent-tool \
         ./usr/libexec/vigil/agent-tools/crm_attribute ./usr/libexec/vigil/agent-tools/attrd_updater; do
  # The path is the 6th field (links, such as the agent tools, add "-> target").
  if ! awk -v f="$f" '$6 == f { found = 1 } END { exit !found }' <<<"$contents"; then
    echo "missing from $(basename "$deb"): $f"
    missing=1
  fi
done
depends=$(dpkg-deb -f "$deb" Depends)
for d in corosync resource-agents libqb100; do
  grep -qw "$d" <<<"$depends" || { echo "Depends lacks $d: $depends"; missing=1; }
done
[ "$missing" = 0 ] || exit 1
echo "ok: $(basename "$deb") ($(wc -l <<<"$contents") entries)"
