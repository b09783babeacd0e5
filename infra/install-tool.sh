#!/usr/bin/env bash
# Installs a pinned IaC tool for a build:  install-tool.sh NAME VERSION SHA256
#   NAME     terraform | tofu
#   VERSION  e.g. 1.11.4 (config/toolchain.yaml)
#   SHA256   the SHA-256 of the release zip for this machine's platform (config/toolchain.yaml)
#
# Downloads the vendor's release zip, checks its SHA-256 before anything else touches it, and
# only then puts the binary into $SIGNOFF_TOOLS_DIR (the build runner puts that directory first
# on PATH). A wrong checksum installs nothing and fails the build. Nothing is downloaded when
# that exact version is already there (on PATH or in $SIGNOFF_TOOLS_DIR).
#
# SIGNOFF_TOOL_MIRROR replaces the vendors' download sites with one base URL laid out as
# <mirror>/<name>/<version>/<name>_<version>_<platform>.zip (a mirror inside your network,
# or a loopback server in the tests).
set -euo pipefail

fail() {
  echo "signoff: $*" >&2
  exit 1
}

[ $# -eq 3 ] || fail "usage: install-tool.sh NAME VERSION SHA256"
name=$1
version=$2
expected=$3

case "$name" in
  terraform) banner="Terraform v$version" ;;
  tofu) banner="OpenTofu v$version" ;;
  *) fail "unknown tool $name: signoff installs terraform or tofu" ;;
esac
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]] || fail "$name version $version is not like 1.11.4"
[[ "$expected" =~ ^[0-9a-f]{64}$ ]] || fail "the checksum for $name $version is not a SHA-256 (64 lowercase hex digits)"

case "$(uname -m)" in
  x86_64 | amd64) platform=linux_amd64 ;;
  aarch64 | arm64) platform=linux_arm64 ;;
  *) fail "no $name release is pinned for $(uname -m)" ;;
esac

bin_dir=${SIGNOFF_TOOLS_DIR:?SIGNOFF_TOOLS_DIR is not set: the buildspec names where tools go}

# The first line of `terraform version` / `tofu version` is "Terraform v1.11.4" / "OpenTofu v1.8.5".
# The whole output is read before taking its first line: `| head -n 1` could close the pipe while
# the tool still writes, and pipefail would then count a SIGPIPE as "not installed".
has_version() {
  local out
  # CHECKPOINT_DISABLE: `terraform version` would otherwise ask HashiCorp for a newer release.
  out=$(PATH="$bin_dir:$PATH" CHECKPOINT_DISABLE=1 "$name" version 2>/dev/null) || return 1
  [ "${out%%$'\n'*}" = "$banner" ]
}
if PATH="$bin_dir:$PATH" command -v "$name" >/dev/null 2>&1 && has_version; then
  echo "signoff: $name $version is already installed ($(PATH="$bin_dir:$PATH" command -v "$name")); nothing downloaded"
  exit 0
fi

zip_name="${name}_${version}_${platform}.zip"
if [ -n "${SIGNOFF_TOOL_MIRROR:-}" ]; then
  url="${SIGNOFF_TOOL_MIRROR%/}/$name/$version/$zip_name"
elif [ "$name" = terraform ]; then
  url="https://releases.hashicorp.com/terraform/$version/$zip_name"
else
  url="https://github.com/opentofu/opentofu/releases/download/v$version/$zip_name"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "signoff: downloading $name $version ($platform) from $url"
command -v curl >/dev/null 2>&1 || fail "the build image has no curl, which downloads $name"
curl --fail --silent --show-error --location --retry 3 --output "$work/$zip_name" "$url" ||
  fail "cannot download $name $version from $url"

actual=$(sha256sum "$work/$zip_name" | cut -d ' ' -f 1)
if ! echo "$expected  $work/$zip_name" | sha256sum --check --status; then
  fail "checksum mismatch for $name $version ($platform): expected $expected, got $actual; refusing to install. Check config/toolchain.yaml against the vendor's SHA256SUMS."
fi
echo "signoff: $zip_name has the pinned SHA-256 $expected"

# unzip is in the CodeBuild standard image; python3's zipfile stands in where it is missing.
mkdir "$work/unpacked"
if command -v unzip >/dev/null 2>&1; then
  unzip -q "$work/$zip_name" "$name" -d "$work/unpacked" || fail "$zip_name has no $name binary"
elif command -v python3 >/dev/null 2>&1; then
  python3 -m zipfile -e "$work/$zip_name" "$work/unpacked" || fail "cannot unpack $zip_name"
else
  fail "the build image has neither unzip nor python3 to unpack $zip_name"
fi
[ -f "$work/unpacked/$name" ] || fail "$zip_name has no $name binary"

mkdir -p "$bin_dir"
install -m 0755 "$work/unpacked/$name" "$bin_dir/$name.part"
mv "$bin_dir/$name.part" "$bin_dir/$name"
echo "signoff: installed $name $version in $bin_dir"
