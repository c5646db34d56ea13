#!/usr/bin/env bash
# The installed kiosk session, for real: the command and environment of the installed
# kiosk-session.service (cage, then kiosk --supervised, as the kiosk user, Qt on Wayland)
# on wlroots' headless backend, looked at with grim.
#
#   installer/cage-check.sh OUT_DIR     # as root, with the package installed (ci-check.sh)
#
# It asserts that the production kiosk (frameless full screen, locked down, real devices,
# /etc/kiosk-titre-sejour/kiosk.toml) shows its welcome screen (OCR of the screenshot),
# that the screen is filled edge to edge (no pixel of the compositor's black background),
# and that the kiosk is still there, still filled, a while later. Screenshots: OUT_DIR.
#
# Headless facts (Debian 12: cage 0.1.4, wlroots 0.15): cage refuses root and needs the
# xwayland package; with ONE headless output, every output commit after the first fails
# wlroots' basic test ("Basic output test failed for HEADLESS-1"), so no frame callback
# ever reaches the client: Qt, which paints on frame callbacks, stays on its first frame
# (the "black screen for 48 s" seen before: a frame came only when grim asked for one).
# With two headless outputs frames flow, and cage extends the kiosk over both (its default
# -m extend): the screenshot is 2560 x 720. cage 0.1.4 has no virtual-keyboard protocol
# and the headless backend no input device (no /dev/uinput here either), so keys cannot be
# injected into this session: the escape shortcuts are tested offscreen (tests/gui).
set -euo pipefail
out=${1:?usage: $0 OUT_DIR}
app=kiosk-titre-sejour
prefix=/opt/$app
data=/var/lib/$app
unit=/lib/systemd/system/kiosk-session.service
python=$prefix/bin/python
mkdir -p "$out"

fail() { echo "cage-check: FAILED: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "run as root"
[ -f "$unit" ] || fail "$unit is not installed"
for tool in cage grim tesseract; do command -v "$tool" >/dev/null || fail "$tool is not installed"; done

# What the unit runs, and with which environment.
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
user=$(sed -n 's/^User=//p' "$unit")
workdir=$(sed -n 's/^WorkingDirectory=//p' "$unit")
unit_env=()
while IFS= read -r line; do
  line=${line#\"}; unit_env+=("${line%\"}")
done < <(sed -n 's/^Environment=//p' "$unit")
[ -n "$exec_start" ] && [ "$user" = kiosk ] || fail "unexpected unit: ExecStart=$exec_start User=$user"

xdg=$(mktemp -d /tmp/kiosk-cage.XXXXXX)
chown "$user:$user" "$xdg"
chmod 0700 "$xdg"
cage_pid=""
cleanup() {
  if [ -n "$cage_pid" ]; then
    kill "$cage_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$cage_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$cage_pid" 2>/dev/null || true
  fi
  pkill -u "$user" -f "$prefix/bin/kiosk" 2>/dev/null || true  # the supervised child
  rm -rf "$xdg"
}
trap cleanup EXIT

echo "cage-check: $exec_start (as $user, ${unit_env[*]})"
t0=$(date +%s.%N)
# shellcheck disable=SC2086  # ExecStart is a command line
(cd "$workdir" && exec runuser -u "$user" -- env -i PATH=/usr/bin:/bin HOME="$data" \
   XDG_RUNTIME_DIR="$xdg" WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 \
   WLR_HEADLESS_OUTPUTS=2 KIOSK_CENTRAL_URL="${KIOSK_CENTRAL_URL:-}" "${unit_env[@]}" \
   $exec_start) >"$out/cage.log" 2>&1 &
cage_pid=$!

shot() {  # shot FILE: a screenshot of the whole layout, as the kiosk user
  runuser -u "$user" -- env XDG_RUNTIME_DIR="$xdg" WAYLAND_DISPLAY=wayland-0 grim - >"$1" 2>/dev/null
}
# filled FILE: prints "W H black_fraction"; exit 0 when no black pixel is left.
filled() {
  "$python" - "$1" <<'EOF'
import sys
import numpy as np
from PIL import Image
image = np.asarray(Image.open(sys.argv[1]).convert("RGB"))
black = float(np.all(image == 0, axis=2).mean())
print(image.shape[1], image.shape[0], f"{black:.4f}")
sys.exit(0 if black == 0 else 1)
EOF
}

first=""
for _ in $(seq 120); do
  sleep 1
  kill -0 "$cage_pid" 2>/dev/null || { cat "$out/cage.log" >&2; fail "cage exited"; }
  shot "$out/cage-now.png" || continue
  if figures=$(filled "$out/cage-now.png"); then
    first=$(awk -v now="$(date +%s.%N)" -v t0="$t0" 'BEGIN { printf "%.1f", now - t0 }')
    break
  fi
done
[ -n "$first" ] || { tail -20 "$out/cage.log" >&2; fail "the screen was never filled (last: $figures)"; }
mv "$out/cage-now.png" "$out/cage-welcome.png"
echo "cage-check: screen filled ($figures: width, height, black) ${first} s after cage started"

# The welcome screen, read as a person would.
text=$(tesseract "$out/cage-welcome.png" - -l eng 2>/dev/null)
grep -q "Bienvenue" <<<"$text" || { echo "$text" >&2; fail "no welcome screen in the screenshot"; }
grep -q "Choisissez votre langue" <<<"$text" || fail "the welcome screen has no language choice"

# Still there, still filling the screen, a while later (sync, store, camera attempts...).
sleep 10
kill -0 "$cage_pid" 2>/dev/null || fail "the session ended"
pgrep -u "$user" -f "$prefix/bin/kiosk" >/dev/null || fail "the kiosk is not running"
shot "$out/cage-later.png"
filled "$out/cage-later.png" >/dev/null || fail "the screen is no longer filled"
grep -q "Bienvenue" <<<"$(tesseract "$out/cage-later.png" - -l eng 2>/dev/null)" \
  || fail "the welcome screen is gone"
if grep -E "Traceback|CRITICAL" "$out/cage.log"; then fail "errors in the session's log"; fi
echo "cage-check: the kiosk session shows its welcome screen, full screen, as $user"
