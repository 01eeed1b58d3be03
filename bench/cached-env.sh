#!/usr/bin/env bash
# Benchmarks the cached path: `aws-mfa env` with a valid cached session, against `cat` of
# the cache entry in the same run (the floor for "read a file and print"), and against
# the aws CLI where installed (its start-up alone, reading a value from the same files).
# Also reports peak RSS. Needs hyperfine, moto_server (to make the session once) and a
# release build: cargo build --release. The static build users get on Linux
# (packaging/release x86_64-unknown-linux-musl) is timed beside it when it is there
# (AWS_MFA_MUSL_BIN names another).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${AWS_MFA_BIN:-target/release/aws-mfa}
[[ -x $bin ]] || { echo "build first: cargo build --release" >&2; exit 1; }
bin=$(realpath "$bin")
musl=${AWS_MFA_MUSL_BIN:-target/x86_64-unknown-linux-musl/release/aws-mfa}
if [[ -x $musl ]]; then
  musl=$(realpath "$musl")
else
  echo "note: no static build at $musl (packaging/release x86_64-unknown-linux-musl): its row is left out" >&2
  musl=
fi
command -v hyperfine >/dev/null || { echo "hyperfine is not installed" >&2; exit 1; }
command -v moto_server >/dev/null || { echo "moto_server is not installed" >&2; exit 1; }

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null; rm -rf "$work"' EXIT

export HOME=$work AWS_CONFIG_FILE=$work/config AWS_SHARED_CREDENTIALS_FILE=$work/credentials
export AWS_MFA_CACHE_DIR=$work/cache AWS_EC2_METADATA_DISABLED=true
export AWS_ENDPOINT_URL_STS=http://127.0.0.1:$port
printf '[default]\naws_access_key_id = AKIABENCHMARK0000001\naws_secret_access_key = bench\n' >"$AWS_SHARED_CREDENTIALS_FILE"
printf '[default]\nmfa_serial = arn:aws:iam::123456789012:mfa/bench\nregion = eu-west-1\n' >"$AWS_CONFIG_FILE"
# `kc`: the same, with its keys in the OS keychain (aws-mfa add) instead of the file.
printf '[profile kc]\nmfa_serial = arn:aws:iam::123456789012:mfa/bench-kc\nregion = eu-west-1\n' >>"$AWS_CONFIG_FILE"

for _ in $(seq 50); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $port))" 2>/dev/null && break
  sleep 0.2
done
"$bin" env --shell bash -t 123456 >/dev/null
entry=$(ls "$AWS_MFA_CACHE_DIR"/*.json)

commands=(-n "cat of the cache entry" "cat $entry"
  -n "aws-mfa env (cached)" "$bin env --shell bash")
if [[ -n $musl ]]; then
  commands+=(-n "aws-mfa env (cached, static musl build)" "$musl env --shell bash")
fi

# Keys in the keychain: the session is made once with a real gnome-keyring on a private
# bus; the timed runs have no bus at all, so any keychain call would fail them.
if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  # shellcheck disable=SC2016 # expanded by the inner shell
  dbus-run-session -- sh -c '
    printf bench | gnome-keyring-daemon --unlock --components=secrets --foreground >/dev/null &
    daemon=$!
    sleep 1
    AWS_ACCESS_KEY_ID=AKIABENCHKEYCHAIN001 AWS_SECRET_ACCESS_KEY=bench "$0" add kc --from-env 2>/dev/null
    "$0" env --shell bash -p kc -t 123456 >/dev/null
    kill "$daemon"' "$bin"
  unset DBUS_SESSION_BUS_ADDRESS
  "$bin" env --shell bash -p kc >/dev/null
  commands+=(-n "aws-mfa env (cached, keys in the keychain)" "$bin env --shell bash -p kc")
else
  echo "note: dbus-run-session or gnome-keyring-daemon missing: the keychain row is left out" >&2
fi
if command -v aws >/dev/null; then
  commands+=(-n "aws configure get region (CLI start-up only)" "aws configure get region")
fi
if command -v awsume >/dev/null; then
  commands+=(-n "awsume (cached)" "awsume -s default")
fi
hyperfine --shell=none --warmup 20 --min-runs 200 --export-markdown "$work/result.md" "${commands[@]}"
cat "$work/result.md"

# Peak RSS from GNU time (apt-get install time); a Python parent would count its own fork.
if [[ -x /usr/bin/time ]]; then
  for cmd in "cat $entry" "$bin env --shell bash" ${musl:+"$musl env --shell bash"}; do
    # shellcheck disable=SC2086 # the command is split on purpose
    rss=$(/usr/bin/time -f %M $cmd 2>&1 >/dev/null | tail -n 1)
    echo "peak RSS of $cmd: $rss KB"
  done
else
  echo "peak RSS: install GNU time (/usr/bin/time) to measure it"
fi
