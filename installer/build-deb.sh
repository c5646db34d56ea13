#!/usr/bin/env bash
# Builds the kiosk's Debian package with dpkg-deb (no debhelper needed):
#   installer/build-deb.sh [--version V] [--out DIR] [--work DIR] [--fast] [--skeleton]
#
#   --version V  the package's version (default: pyproject.toml's)
#   --out DIR    where the .deb goes (default: dist/)
#   --work DIR   a work directory kept between builds: the third-party part of the Python
#                environment is built once per requirements.lock and reused (CI builds twice)
#   --fast       zstd -1 instead of gzip -6 (CI: ~10x faster; dpkg >= 1.21.18 reads it, but
#                lintian 2.116 calls a zstd package malformed: releases use the default)
#   --skeleton   everything but the Python environment: the same control files, maintainer
#                scripts, units and documents, for a quick lintian run (installer/README.md)
#
# The Python environment is built here, at build time, not on the kiosk: a venv created
# under a staging root with uv's --relocatable, then its scripts' shebangs set to the final
# path /opt/kiosk-titre-sejour/bin/python and every module compiled (unchecked-hash .pyc,
# names as installed). Installing is then unpacking files dpkg knows (no network, no
# compiler, no pip on the kiosk; upgrades and purges are exact), and every kiosk runs the
# bits CI tested. The price: the package is tied to the builder's Python minor version and
# architecture (Debian 12: python3.11, amd64), which its Depends say.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
here=$root/installer
app=kiosk-titre-sejour
prefix=/opt/$app

version="" out="$root/dist" work="" compress=(-Zgzip -z6) skeleton=0
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --fast) compress=(-Zzstd -z1); shift ;;
    --skeleton) skeleton=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "build-deb: unknown option $1" >&2; exit 2 ;;
  esac
done

py=${PYTHON:-/usr/bin/python3.11}
[ -x "$py" ] || { echo "build-deb: $py not found (Debian 12: apt-get install python3.11)" >&2; exit 1; }
pyver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
uv=${UV:-$root/.venv/bin/uv}
[ -x "$uv" ] || uv=$(command -v uv || true)
[ -n "$uv" ] || { echo "build-deb: uv not found (scripts/bootstrap.sh installs it in .venv)" >&2; exit 1; }
[ -n "$version" ] || version=$("$py" -c 'import tomllib; print(tomllib.load(open("'"$root"'/pyproject.toml", "rb"))["project"]["version"])')
arch=$(dpkg --print-architecture)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}

keep_work=1
if [ -z "$work" ]; then work=$(mktemp -d /tmp/kiosk-deb.XXXXXX); keep_work=0; fi
mkdir -p "$work" "$out"
stage=$work/stage
cleanup() { [ "$keep_work" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT
rm -rf "$stage" "$work/src" "$work/dist"

t0=$(date +%s)
say() { echo "build-deb: [$(( $(date +%s) - t0 )) s] $*"; }

# --- the Python environment -----------------------------------------------------------
if [ "$skeleton" = 0 ]; then
  # The tree as it is (tracked and new files, not ignored ones), built outside the checkout.
  mkdir -p "$work/src"
  (cd "$root" && git ls-files -co --exclude-standard -z \
     | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$work/src"
  "$uv" build -q --wheel --out-dir "$work/dist" "$work/src"
  wheel=$(ls "$work/dist"/*.whl)
  say "wheel $(basename "$wheel")"

  # Third-party packages at the versions of requirements.lock, built once per lock.
  key=$(cat "$root/requirements.lock" "$root/pyproject.toml" <("$uv" --version) <(echo "$py $pyver") \
        | sha256sum | cut -c1-16)
  deps=$work/deps-$key
  if [ ! -d "$deps" ]; then
    rm -rf "$work"/deps-*
    "$uv" venv -q --relocatable --python "$py" "$deps.tmp$prefix"
    # [central]: the demo (kiosk --demo) starts the reference central API on loopback, and
    # this package's CI check enrols against it; the kiosk's code never imports it.
    "$uv" pip install -q --link-mode=copy --python "$deps.tmp$prefix/bin/python" \
      -c "$root/requirements.lock" "$wheel[central]"
    "$uv" pip uninstall -q --python "$deps.tmp$prefix/bin/python" "$app"
    # Compiled as installed (names under /opt), checked by nothing at import: dpkg owns
    # these files and replaces them together with their .pyc.
    "$deps.tmp$prefix/bin/python" -m compileall -q -j0 --invalidation-mode unchecked-hash \
      -s "$deps.tmp" -p / "$deps.tmp$prefix/lib" >/dev/null || true
    rm -f "$deps.tmp$prefix"/{.lock,.gitignore,CACHEDIR.TAG}
    mv "$deps.tmp" "$deps"
    say "third-party environment built ($(du -sh "$deps" | cut -f1))"
  else
    say "third-party environment reused ($deps)"
  fi
  # The application over the third-party part: hard links to the cache (nothing below
  # writes into a file in place), rebuilt only when the wheel or the cache changed.
  stamp=$(cat "$wheel" <(echo "$deps") | sha256sum | cut -c1-16)
  if [ "$(cat "$work/app.stamp" 2>/dev/null)" != "$stamp" ] || [ ! -d "$work/app$prefix" ]; then
    rm -rf "$work/app"
    mkdir -p "$work/app/opt"
    cp -al "$deps$prefix" "$work/app$prefix"
    "$uv" pip install -q --link-mode=copy --no-deps --python "$work/app$prefix/bin/python" "$wheel"
    site=$(echo "$work/app$prefix"/lib/python*/site-packages)
    # uv records where the wheel came from (the work directory): not worth shipping.
    for f in "$site"/kiosk_titre_sejour-*.dist-info/direct_url.json; do
      rm -f "$f"; sed -i '/direct_url.json/d' "$(dirname "$f")/RECORD"
    done
    "$work/app$prefix/bin/python" -m compileall -q -j0 --invalidation-mode unchecked-hash \
      -s "$work/app" -p / "$site/kiosk" "$site/sync" "$site/contract" "$site/central" >/dev/null
    # Entry points: uv's relocatable launcher (#!/bin/sh + exec) becomes a plain shebang,
    # written as a new file (the old one may be a hard link into the cache).
    "$py" - "$work/app$prefix/bin" "$prefix/bin/python" <<'EOF'
import os, pathlib, sys
bindir, python = pathlib.Path(sys.argv[1]), sys.argv[2]
for path in bindir.iterdir():
    if path.is_symlink() or not path.is_file():
        continue
    lines = path.read_bytes().split(b"\n")
    if lines[0] == b"#!/bin/sh" and len(lines) > 2 and lines[1].startswith(b"'''exec'"):
        mode = path.stat().st_mode & 0o7777
        path.unlink()
        path.write_bytes(b"\n".join([b"#!" + python.encode(), *lines[3:]]))
        os.chmod(path, mode)
EOF
    if grep -rlI --exclude-dir=__pycache__ "$work" "$work/app" | head -1 | grep -q .; then
      echo "build-deb: the staging path leaked into:" >&2
      grep -rlI --exclude-dir=__pycache__ "$work" "$work/app" | head >&2
      exit 1
    fi
    echo "$stamp" > "$work/app.stamp"
    say "application installed"
  else
    say "application reused (same wheel)"
  fi
  mkdir -p "$stage/opt"
  cp -al "$work/app$prefix" "$stage$prefix"
else
  mkdir -p "$stage$prefix/bin"
fi

# --- the system files -----------------------------------------------------------------
install -d "$stage/lib/systemd/system" "$stage/etc/pam.d" "$stage/etc/$app" \
  "$stage/usr/libexec/$app" "$stage/usr/bin" "$stage/usr/share/man/man1" \
  "$stage/usr/share/doc/$app" "$stage/usr/share/lintian/overrides" "$stage/DEBIAN"
install -m 0644 "$here"/debian/kiosk-session.service "$here"/debian/kiosk-sync.service \
  "$here"/debian/kiosk-sync.path "$stage/lib/systemd/system/"
install -m 0644 "$here/debian/kiosk-session.pam" "$stage/etc/pam.d/kiosk-session"
install -m 0644 "$here/debian/kiosk.toml" "$stage/etc/$app/kiosk.toml"
install -m 0755 "$here/files/kiosk-migrate" "$stage/usr/libexec/$app/"
ln -s "$prefix/bin/kiosk-health" "$stage/usr/bin/kiosk-health"
gzip -9n < "$here/debian/kiosk-health.1" > "$stage/usr/share/man/man1/kiosk-health.1.gz"
install -m 0644 "$here/debian/copyright" "$stage/usr/share/doc/$app/copyright"
install -m 0644 "$here/README.md" "$stage/usr/share/doc/$app/README.md"
install -m 0644 "$here/debian/lintian-overrides" "$stage/usr/share/lintian/overrides/$app"
{
  echo "$app ($version) stable; urgency=medium"
  echo
  echo "  * Built from $(git -C "$root" describe --always --dirty 2>/dev/null || echo 'a source tree')."
  echo
  echo " -- Kiosk titre de sejour team <kiosk-titre-sejour@example.org>  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n > "$stage/usr/share/doc/$app/changelog.gz"

# Depends: what the kiosk's Python environment and session need, plus the runtime
# packages scripts/bootstrap.sh installs (read from it, so the two never drift apart).
eval "$(sed -n '/^runtime_pkgs=(/,/)/p' "$root/scripts/bootstrap.sh")"
# xwayland: Debian's cage does not start without it (and only recommends it). cups-client:
# the kiosk spools receipts with its lp and asks lpstat for the queue (kiosk.devices.printer).
depends=("python$pyver" adduser cage xwayland libpam-systemd fontconfig libcups2 cups-client libwayland-client0
         libwayland-cursor0 libwayland-egl1 "${runtime_pkgs[@]}")
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@SIZE@|$size|" \
    -e "s|@DEPENDS@|$(printf '%s, ' "${depends[@]}" | sed 's/, $//')|" \
    "$here/debian/control.in" > "$stage/DEBIAN/control"
printf '/etc/%s/kiosk.toml\n/etc/pam.d/kiosk-session\n' "$app" > "$stage/DEBIAN/conffiles"
install -m 0755 "$here"/debian/postinst "$here"/debian/prerm "$here"/debian/postrm "$stage/DEBIAN/"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z \
   | xargs -0 md5sum > DEBIAN/md5sums)
chmod 0644 "$stage/DEBIAN/md5sums" "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles"

name=${app}_${version}_${arch}
[ "$skeleton" = 1 ] && name=${app}-skeleton_${version}_${arch}
deb=$out/$name.deb
dpkg-deb --root-owner-group "${compress[@]}" --build "$stage" "$deb" >/dev/null
say "$deb ($(du -h "$deb" | cut -f1), installed $((size / 1024)) MiB)"
