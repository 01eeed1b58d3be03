#!/usr/bin/env bash
# Benchmarks a fresh session (no cached one: a GetSessionToken call) over TLS and over plain
# HTTP, each against curl sending a request to the same URL in the same hyperfine run.
#
# The tests' fake STS (`cargo build --example fake-sts`) answers on 127.0.0.1 over plain
# HTTP; nginx in front of it speaks TLS with an ECDSA P-256 certificate for 127.0.0.1 from a
# private CA made here with openssl. Both aws-mfa and curl trust only that CA
# (AWS_CA_BUNDLE, --cacert). A second pair trusts it through the system store instead
# (SSL_CERT_FILE and SSL_CERT_DIR naming a copy of /etc/ssl/certs with the CA added; curl
# --cacert and --capath the same), which is what a run without AWS_CA_BUNDLE reads.
#
# Needs a release build (cargo build --release), hyperfine, nginx, openssl and curl
# (apt-get install hyperfine nginx-light openssl curl).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${AWS_MFA_BIN:-target/release/aws-mfa}
[[ -x $bin ]] || { echo "build first: cargo build --release" >&2; exit 1; }
bin=$(realpath "$bin")
for tool in hyperfine openssl curl; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed" >&2; exit 1; }
done
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $nginx ]] || { echo "nginx is not installed (apt-get install nginx-light)" >&2; exit 1; }
cargo build --quiet --example fake-sts
fake_bin=target/debug/examples/fake-sts

# On tmpfs by default: a fresh run writes the session and the code record with fsync, which
# on a busy disk can cost more than the whole request; BENCH_TMP=/tmp to count it too.
work=$(mktemp -d -p "${BENCH_TMP:-/dev/shm}")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The backend: the tests' fake STS, plain HTTP.
"$fake_bin" >"$work/fake.url" &
pids+=($!)
for _ in $(seq 100); do [[ -s $work/fake.url ]] && break; sleep 0.05; done
plain_url=$(head -n 1 "$work/fake.url")

# A private CA and a server certificate for 127.0.0.1 (ECDSA P-256).
(
  cd "$work"
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout ca.key -out ca.pem -days 2 -subj "/CN=aws-mfa bench CA" 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -days 2 -extfile server.ext -out server.pem 2>/dev/null
  # A copy of the system store (/etc/ssl/certs: the bundle file and the hashed links) with
  # the CA added, as update-ca-certificates would leave it.
  cp -a /etc/ssl/certs system
  cat ca.pem >>system/ca-certificates.crt
  cp ca.pem system/aws-mfa-bench-ca.pem
  ln -s aws-mfa-bench-ca.pem "system/$(openssl x509 -hash -noout -in ca.pem).0"
)

# The TLS front: nginx in the foreground, one process, everything under $work.
tls_port=$(free_port)
mkdir "$work/nginx"
cat >"$work/nginx/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  upstream sts { server ${plain_url#http://}; keepalive 8; }
  server {
    listen 127.0.0.1:$tls_port ssl;
    ssl_certificate $work/server.pem;
    ssl_certificate_key $work/server.key;
    location / {
      proxy_pass http://sts;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF
"$nginx" -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
pids+=($!)
tls_url=https://127.0.0.1:$tls_port
for _ in $(seq 100); do
  curl -s -o /dev/null --cacert "$work/ca.pem" -d Action=GetCallerIdentity "$tls_url/" && break
  sleep 0.05
done

# Which CAs are trusted is up to each pair below, not to the caller's environment.
unset AWS_CA_BUNDLE SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE
export HOME=$work AWS_CONFIG_FILE=$work/config AWS_SHARED_CREDENTIALS_FILE=$work/credentials
export AWS_MFA_CACHE_DIR=$work/cache AWS_EC2_METADATA_DISABLED=true
printf '[default]\naws_access_key_id = AKIABENCHMARK0000001\naws_secret_access_key = bench\n' >"$AWS_SHARED_CREDENTIALS_FILE"
printf '[default]\nmfa_serial = arn:aws:iam::123456789012:mfa/bench\nregion = eu-west-1\n' >"$AWS_CONFIG_FILE"

# What the SDK sends (form fields), so curl's request is the same size.
body='Action=GetSessionToken&Version=2011-06-15&SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Fbench&TokenCode=123456&DurationSeconds=43200'
fresh="$bin env --shell bash -t 123456"
# A fresh run: no cached session and no record of the code, removed before every run by
# hyperfine's --prepare, outside the timing. The variables are set for both commands of a
# pair (curl ignores them), so neither pays for a wrapper.
runs=(--shell=none --warmup 10 --min-runs "${RUNS:-100}" --prepare "rm -rf $AWS_MFA_CACHE_DIR")

pair() { # name, curl's options, then the variables for aws-mfa
  local name=$1 curl_options=$2
  shift 2
  (
    # shellcheck disable=SC2163 # each argument is NAME=value
    export "$@"
    out=$($fresh) || { echo "aws-mfa failed ($name)" >&2; exit 1; }
    [[ $out == *AWS_SESSION_TOKEN* ]] || { echo "aws-mfa printed no session ($name)" >&2; exit 1; }
    rm -rf "$AWS_MFA_CACHE_DIR"
    hyperfine "${runs[@]}" --export-markdown "$work/$name.md" --export-json "$work/$name.json" \
      -n "curl, $name" "curl -s -o /dev/null $curl_options -d $body $AWS_ENDPOINT_URL_STS/" \
      -n "aws-mfa env fresh, $name" "$fresh"
  )
}

pair "TLS, AWS_CA_BUNDLE" "--cacert $work/ca.pem" \
  AWS_ENDPOINT_URL_STS="$tls_url" AWS_CA_BUNDLE="$work/ca.pem"
pair "TLS, system store" "--cacert $work/system/ca-certificates.crt --capath $work/system" \
  AWS_ENDPOINT_URL_STS="$tls_url" SSL_CERT_FILE="$work/system/ca-certificates.crt" SSL_CERT_DIR="$work/system"
pair "plain HTTP" "" AWS_ENDPOINT_URL_STS="$plain_url"

echo
for name in "TLS, AWS_CA_BUNDLE" "TLS, system store" "plain HTTP"; do
  cat "$work/$name.md"
  echo
done
# Medians resist a busy machine better than means: the target is judged on them.
python3 - "$work" <<'PY'
import json, statistics, sys
print("| Pair | curl median [ms] | aws-mfa median [ms] | aws-mfa / curl |")
print("|:---|---:|---:|---:|")
for name in ["TLS, AWS_CA_BUNDLE", "TLS, system store", "plain HTTP"]:
    with open(f"{sys.argv[1]}/{name}.json") as f:
        curl, fresh = (statistics.median(r["times"]) * 1000 for r in json.load(f)["results"])
    print(f"| {name} | {curl:.1f} | {fresh:.1f} | {fresh / curl:.2f} |")
PY
