#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, on 127.0.0.1 and a free port.
#
#   dir=$(mktemp -d /tmp/kiosk-pg.XXXXXX)
#   url=$(scripts/pg-test-server.sh start "$dir")   # prints postgresql://kiosk:PW@127.0.0.1:PORT/postgres
#   ...                                             # KIOSK_TEST_PG_URL=$url pytest ...
#   scripts/pg-test-server.sh stop "$dir"           # stops it and deletes the directory
#
# The cluster lives in DIR (data, socket, logs); nothing outside it is touched. It listens on
# 127.0.0.1 only, with a random password (scram-sha-256), and runs without fsync: it is for
# tests, and is thrown away. PostgreSQL refuses to run as root, so as root the cluster is
# owned by the `postgres` user (created by Debian's package), else `nobody`, through runuser.
# Needs the Debian package `postgresql` (scripts/bootstrap.sh test installs it).
# Exit status: 0 started, 3 no PostgreSQL server binaries, 1 anything else (see DIR/*.log).
set -euo pipefail

usage() {
  echo "usage: $0 start DIR | stop DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
action=$1
dir=$2

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$d" ] || [ ! -x "$d/initdb" ] || [ ! -x "$d/pg_ctl" ]; then
    echo "pg-test-server: no PostgreSQL server binaries in /usr/lib/postgresql/*/bin" \
      "(apt-get install postgresql)" >&2
    exit 3
  fi
  echo "$d"
}

run_as=()
owner=$(id -un)
if [ "$(id -u)" = 0 ]; then
  owner=postgres
  id -u postgres >/dev/null 2>&1 || owner=nobody
  run_as=(runuser -u "$owner" --)
fi

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

case "$action" in
start)
  bin=$(pg_bin)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ -e "$dir/data" ]; then
    echo "pg-test-server: $dir/data exists already: give an empty directory" >&2
    exit 1
  fi
  chmod 700 "$dir"
  [ "$owner" = "$(id -un)" ] || chown "$owner" "$dir"
  if ! "${run_as[@]}" test -w "$dir"; then
    echo "pg-test-server: $owner cannot write to $dir (is a parent directory private?)" >&2
    exit 1
  fi
  password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
  (umask 077 && printf '%s\n' "$password" >"$dir/pwfile")
  [ "$owner" = "$(id -un)" ] || chown "$owner" "$dir/pwfile"
  cd "$dir" # runuser keeps the working directory: make it one the owner can enter
  if ! "${run_as[@]}" "$bin/initdb" -D "$dir/data" -U kiosk --pwfile="$dir/pwfile" \
    --auth=scram-sha-256 --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1; then
    rm -f "$dir/pwfile"
    echo "pg-test-server: initdb failed:" >&2
    tail -n 20 "$dir/initdb.log" >&2
    exit 1
  fi
  rm -f "$dir/pwfile"
  for _try in 1 2 3; do
    port=$(free_port)
    opts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir"
    opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    opts="$opts -c max_connections=200"
    if "${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "$opts" start >/dev/null 2>&1; then
      echo "postgresql://kiosk:$password@127.0.0.1:$port/postgres"
      exit 0
    fi
  done
  echo "pg-test-server: the server did not start:" >&2
  tail -n 20 "$dir/server.log" >&2 || true
  exit 1
  ;;
stop)
  if [ -d "$dir/data" ]; then
    bin=$(pg_bin)
    cd "$dir"
    "${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  case "$dir" in
  /tmp/*) rm -rf "$dir" ;; # what we were given to create; never anything else
  *) echo "pg-test-server: leaving $dir in place (not under /tmp)" >&2 ;;
  esac
  ;;
*) usage ;;
esac
