#!/bin/sh
# Installs aws-mfa for the current user, without root, from a GitHub release:
#
#   curl -fsSL https://github.com/aws-mfa/aws-mfa/releases/latest/download/install.sh | sh
#   curl -fsSL …/install.sh | sh -s -- --to /usr/local/bin --version 0.1.0
#
# It picks the archive for this OS and processor from the release's SHA256SUMS, downloads
# it, refuses it (installing nothing) unless its SHA-256 matches, and puts `aws-mfa` in
# ~/.local/bin (or --to DIR) and its manual page beside it (DIR/../share/man/man1).
# POSIX sh: needs curl or wget, tar, and sha256sum, shasum or openssl.
set -eu

repository=https://github.com/aws-mfa/aws-mfa

usage() {
  cat <<EOF
Usage: install.sh [--to DIR] [--version VERSION] [--base-url URL]

  --to DIR          where the aws-mfa binary goes [default: ~/.local/bin]
  --version VERSION a release (0.1.0) [default: the latest]
  --base-url URL    where the release files are (a mirror) [default: $repository/releases/…]
EOF
}

# The error, why, and what to do; nothing on stdout.
die() {
  printf 'aws-mfa install: %s\n' "$1" >&2
  [ $# -lt 2 ] || printf '  hint: %s\n' "$2" >&2
  exit 1
}

to='' version='' base_url=''
while [ $# -gt 0 ]; do
  case $1 in
    --to | --version | --base-url)
      if [ $# -lt 2 ] || [ -z "$2" ]; then
        die "$1 needs a value" "install.sh --help lists the options"
      fi
      case $1 in
        --to) to=$2 ;;
        --version) version=${2#v} ;;
        --base-url) base_url=$2 ;;
      esac
      shift 2
      ;;
    --to=*) to=${1#*=} && shift ;;
    --version=*) version=${1#*=} && version=${version#v} && shift ;;
    --base-url=*) base_url=${1#*=} && shift ;;
    -h | --help) usage && exit 0 ;;
    *) die "unknown option '$1'" "install.sh --help lists the options" ;;
  esac
done

if [ -z "$base_url" ]; then
  if [ -n "$version" ]; then
    base_url=$repository/releases/download/v$version
  else
    base_url=$repository/releases/latest/download
  fi
fi
base_url=${base_url%/}
if [ -z "$to" ]; then
  [ -n "${HOME:-}" ] || die "no install directory: HOME is not set" "name one with --to DIR"
  to=$HOME/.local/bin
fi

source_hint="build it from source instead: cargo install --locked --git $repository"
case $(uname -s) in
  Linux) os=unknown-linux-musl ;;
  Darwin) os=apple-darwin ;;
  *) die "no aws-mfa build for $(uname -s): releases have Linux, macOS and Windows builds" "$source_hint" ;;
esac
case $(uname -m) in
  x86_64 | amd64) arch=x86_64 ;;
  aarch64 | arm64) arch=aarch64 ;;
  *) die "no aws-mfa build for the $(uname -m) processor: releases have x86_64 and aarch64 builds" "$source_hint" ;;
esac
target=$arch-$os

fetch() { # URL FILE
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1"
  else
    die "cannot download: neither curl nor wget is installed" "install one of them"
  fi
}
sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 "$1" | sed 's/.*= *//'
  else
    die "cannot check the download: no sha256sum, shasum or openssl" "install coreutils or openssl"
  fi
}

tmp=$(mktemp -d 2>/dev/null || mktemp -d -t aws-mfa-install)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

fetch "$base_url/SHA256SUMS" "$tmp/SHA256SUMS" ||
  die "cannot download $base_url/SHA256SUMS" "check the address (--version, --base-url) and the network"
matches=$(grep -E "^[0-9a-fA-F]{64}  aws-mfa-[0-9A-Za-z.+~-]+-$target\\.tar\\.gz\$" "$tmp/SHA256SUMS" || true)
[ -n "$matches" ] ||
  die "the release at $base_url has no aws-mfa archive for $target" "$source_hint"
[ "$(printf '%s\n' "$matches" | wc -l)" -eq 1 ] ||
  die "the release at $base_url lists more than one archive for $target" "name a release with --version"
expected=$(printf '%s\n' "$matches" | cut -d ' ' -f 1 | tr 'A-F' 'a-f')
archive=$(printf '%s\n' "$matches" | cut -d ' ' -f 3)

fetch "$base_url/$archive" "$tmp/$archive" ||
  die "cannot download $base_url/$archive, although SHA256SUMS lists it" "try again later, or another release with --version"
actual=$(sha256 "$tmp/$archive")
[ "$actual" = "$expected" ] ||
  die "$archive does not match SHA256SUMS: its SHA-256 is $actual, SHA256SUMS says $expected; nothing was installed" \
    "the download was damaged or altered: try again, and report it if it persists"

mkdir "$tmp/unpacked"
tar -xzf "$tmp/$archive" -C "$tmp/unpacked" || die "cannot unpack $archive" "try again"
unpacked=$tmp/unpacked/${archive%.tar.gz}
[ -f "$unpacked/aws-mfa" ] || die "$archive holds no aws-mfa binary" "report it"
installed_version=$("$unpacked/aws-mfa" --version 2>/dev/null) ||
  die "the aws-mfa binary of $archive does not run on this machine" "$source_hint"

mkdir -p "$to" 2>/dev/null || die "cannot create $to" "choose a directory you can write with --to DIR"
# Into place by rename: a running aws-mfa keeps its old file.
cp "$unpacked/aws-mfa" "$to/.aws-mfa.new" 2>/dev/null || die "cannot write to $to" "choose a directory you can write with --to DIR"
chmod 0755 "$to/.aws-mfa.new"
mv -f "$to/.aws-mfa.new" "$to/aws-mfa"

# The manual page, where man looks for a bin directory on PATH (…/share/man).
man_dir=$(cd "$to/.." && pwd)/share/man/man1
if mkdir -p "$man_dir" 2>/dev/null && cp "$unpacked/aws-mfa.1" "$man_dir/aws-mfa.1" 2>/dev/null; then
  man_note="the manual page: $man_dir/aws-mfa.1"
else
  man_note="the manual page was not installed ($man_dir is not writable): aws-mfa man | man -l -"
fi

echo "Installed $installed_version to $to/aws-mfa"
echo "  $man_note"
echo "  completions: aws-mfa completions --help"
case :${PATH:-}: in
  *:"$to":*) ;;
  *)
    echo
    echo "$to is not on your PATH. Add it:"
    case ${SHELL:-} in
      */fish) echo "  fish_add_path $to" ;;
      */zsh) echo "  echo 'export PATH=\"$to:\$PATH\"' >> ~/.zshrc && exec zsh" ;;
      */bash) echo "  echo 'export PATH=\"$to:\$PATH\"' >> ~/.bashrc && exec bash" ;;
      *) echo "  echo 'export PATH=\"$to:\$PATH\"' >> ~/.profile   (then log in again)" ;;
    esac
    ;;
esac
