#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# check-deb.sh BUILD_DIR: runs cpack -G DEB for BUILD_DIR in a temporary
# directory and checks the package as Debian would ship it: the daemons,
# tools, OCF agents, units, manual pages, copyright and changelog are where Debian
# expects them; the binaries are stripped and their symbols are in the
# -dbgsym package; the dependencies come from dpkg-shlibdeps; the conffile,
# the maintainer scripts, the sysusers.d and tmpfiles.d files are there and
# right. The package is then unpacked into a scratch root (never /):
# systemd-sysusers and systemd-tmpfiles run with --root on it and the
# directories get hacluster/haclient's ids of that root; `vigil --version`
# and the daemons' --version run from it. lintian, when installed, must
# report no error. Exits 77 (skipped) when cpack or dpkg-deb is missing.
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
failed=0
fail() { echo "FAIL: $*"; failed=1; }

contents=$(dpkg-deb -c "$deb")
# entry PATH [MODE]: PATH is in the package (the 6th field of dpkg-deb -c;
# links add "-> target"), owned by root/root, with MODE when given.
entry() {
  local line
  line=$(awk -v f="$1" '$6 == f' <<<"$contents")
  [ -n "$line" ] || { fail "missing from $(basename "$deb"): $1"; return; }
  [ "$(awk '{print $2}' <<<"$line")" = root/root ] || fail "$1 not owned by root/root: $line"
  [ -z "${2:-}" ] || [ "$(awk '{print $1}' <<<"$line")" = "$2" ] || fail "$1 is not $2: $line"
}
binaries=(usr/sbin/vigild usr/sbin/vigil-cib usr/sbin/vigil-stonithd usr/sbin/vigil-lrmd
          usr/sbin/vigil-pengine usr/sbin/vigil-crmd usr/bin/vigil usr/bin/vigil-simulate
          usr/libexec/vigil/agent-tools/vigil-agent-tool)
for b in "${binaries[@]}"; do entry "./$b" -rwxr-xr-x; done
# Vigil's OCF agents (shell scripts, provider "vigil").
for a in haproxy health-script; do entry "./usr/lib/ocf/resource.d/vigil/$a" -rwxr-xr-x; done
for f in ./usr/lib/systemd/system/vigil.service ./usr/lib/systemd/system/vigil-crmd.service \
         ./usr/lib/systemd/system/vigil-stonithd.service \
         ./usr/libexec/vigil/agent-tools/crm_attribute ./usr/libexec/vigil/agent-tools/attrd_updater; do
  entry "$f"
done
for f in ./usr/share/doc/vigil/copyright ./usr/share/doc/vigil/changelog.Debian.gz \
         ./etc/default/vigil ./usr/lib/sysusers.d/vigil.conf ./usr/lib/tmpfiles.d/vigil.conf \
         ./usr/share/man/man1/vigil.1.gz ./usr/share/man/man1/vigil-simulate.1.gz; do
  entry "$f" -rw-r--r--
done
for d in vigild vigil-cib vigil-stonithd vigil-lrmd vigil-pengine vigil-crmd; do
  entry "./usr/share/man/man8/$d.8.gz" -rw-r--r--
done

depends=$(dpkg-deb -f "$deb" Depends)
for d in corosync resource-agents adduser libqb100 libc6 libxml2 libcpg4; do
  grep -qw "$d" <<<"$depends" || fail "Depends lacks $d: $depends"
done
[ "$(dpkg-deb -f "$deb" Description | wc -l)" -ge 3 ] || fail "no extended description"
suggests=$(dpkg-deb -f "$deb" Suggests)
for d in haproxy curl; do
  grep -qw "$d" <<<"$suggests" || fail "Suggests lacks $d (ocf:vigil:haproxy): $suggests"
done

ctl="$out/control"
dpkg-deb -e "$deb" "$ctl"
[ "$(cat "$ctl/conffiles")" = /etc/default/vigil ] || fail "conffiles: $(cat "$ctl/conffiles")"
for s in postinst postrm; do
  [ -x "$ctl/$s" ] || { fail "$s missing or not executable"; continue; }
  sh -n "$ctl/$s" || fail "$s: syntax error"
done
grep -q systemd-sysusers "$ctl/postinst" && grep -q "adduser --system" "$ctl/postinst" ||
  fail "postinst creates no hacluster user"

# The scratch root: the package's files, then its users and directories.
root="$out/root"
dpkg-deb -x "$deb" "$root"
grep -qx 'g haclient -' "$root/usr/lib/sysusers.d/vigil.conf" || fail "sysusers: no haclient group"
grep -q '^u hacluster -:haclient ' "$root/usr/lib/sysusers.d/vigil.conf" ||
  fail "sysusers: no hacluster user in haclient"
if command -v systemd-sysusers >/dev/null && command -v systemd-tmpfiles >/dev/null; then
  mkdir -p "$root/etc"
  systemd-sysusers --root="$root" >/dev/null 2>&1 || fail "systemd-sysusers --root failed"
  uid=$(awk -F: '$1 == "hacluster" {print $3}' "$root/etc/passwd" 2>/dev/null)
  gid=$(awk -F: '$1 == "haclient" {print $3}' "$root/etc/group" 2>/dev/null)
  if [ -z "$uid" ] || [ -z "$gid" ]; then
    fail "systemd-sysusers made no hacluster/haclient in the scratch root"
  else
    systemd-tmpfiles --root="$root" --create vigil.conf >/dev/null 2>&1 ||
      fail "systemd-tmpfiles --root failed"
    # directory mode uid gid
    want() {
      local got
      got=$(stat -c '%a %u %g' "$root$1" 2>/dev/null || echo absent)
      [ "$got" = "$2 $3 $4" ] || fail "$1: $got, expected $2 $3 $4"
    }
    want /run/vigil 755 0 0
    want /var/lib/vigil 750 0 "$gid"
    want /var/lib/vigil/cib 750 "$uid" "$gid"
    want /var/lib/vigil/pengine 750 "$uid" "$gid"
    want /var/log/vigil 770 "$uid" "$gid"
  fi
else
  echo "note: systemd-sysusers/systemd-tmpfiles missing: owners not checked"
fi

# Stripped, with the symbols in vigil-dbgsym (by build id).
dbgsym=$(ls "$out"/vigil-dbgsym_*.ddeb 2>/dev/null | head -1)
[ -n "$dbgsym" ] || fail "no vigil-dbgsym package"
dbg_contents=$( [ -z "$dbgsym" ] || dpkg-deb -c "$dbgsym")
for b in "${binaries[@]}"; do
  if readelf -S "$root/$b" | grep -qE '\.symtab|\.debug_info'; then fail "$b is not stripped"; fi
  id=$(readelf -n "$root/$b" | awk '/Build ID:/ {print $3}')
  [ -n "$id" ] || { fail "$b has no build id"; continue; }
  grep -qF "./usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug" <<<"$dbg_contents" ||
    fail "$b: no debug symbols for build id $id in vigil-dbgsym"
done

# The programs run from the scratch root (their libraries are the system's).
version=$(dpkg-deb -f "$deb" Version)
version=${version%-*}
for p in usr/bin/vigil usr/bin/vigil-simulate usr/sbin/vigild usr/sbin/vigil-cib; do
  v=$("$root/$p" --version 2>&1) || fail "$p --version: $v"
  grep -qF " $version" <<<"$v" || fail "$p --version printed '$v', not version $version"
done

grep -q '^[0-9a-f]*  /' <(dpkg-deb --ctrl-tarfile "$dbgsym" | tar -xO ./md5sums) &&
  fail "vigil-dbgsym's md5sums lists absolute paths"
if command -v lintian >/dev/null; then
  errors=$(lintian "$deb" "$dbgsym" 2>/dev/null | grep '^E:' || true)
  [ -z "$errors" ] || fail "lintian errors: $errors"
else
  echo "note: lintian not installed: not run"
fi

[ "$failed" = 0 ] || exit 1
echo "ok: $(basename "$deb") ($(wc -l <<<"$contents") entries, $(du -k "$deb" | cut -f1) KiB;" \
  "installed $(dpkg-deb -f "$deb" Installed-Size) KiB), $(basename "$dbgsym")"
