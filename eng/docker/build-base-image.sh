#!/usr/bin/env bash
# Builds a .NET runtime base image locally, for machines that cannot pull one:
# a minimal Debian rootfs (debootstrap) plus this machine's .NET shared runtime, imported with
# `docker import` for linux/amd64. Usage: build-base-image.sh [tag]   (default stepoperator/dotnet-runtime:10.0)
set -euo pipefail

tag="${1:-stepoperator/dotnet-runtime:10.0}"
docker_cli="${DOCKER_CLI:-/usr/bin/docker}"
[ -x "$docker_cli" ] || docker_cli=docker

if "$docker_cli" image inspect "$tag" >/dev/null 2>&1 && [ "${STEPOPERATOR_REBUILD_BASE:-0}" != "1" ]; then
  echo "base image $tag already exists (STEPOPERATOR_REBUILD_BASE=1 rebuilds it)"
  exit 0
fi

dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
runtime_dir="$(ls -d "$dotnet_root"/shared/Microsoft.NETCore.App/10.* | sort -V | tail -1)"
fxr_dir="$(ls -d "$dotnet_root"/host/fxr/* | sort -V | tail -1)"
echo "using .NET runtime $(basename "$runtime_dir") from $dotnet_root"

# The same Debian mirror apt uses here.
mirror="$(grep -hoE 'https?://[^ ]*/debian/?$' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -1 || true)"
mirror="${mirror:-http://deb.debian.org/debian}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"

echo "debootstrap bookworm from $mirror"
debootstrap --variant=minbase --arch=amd64 \
  --include=ca-certificates,libicu72,libssl3,zlib1g,tzdata \
  bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || { tail -30 "$work/debootstrap.log"; exit 1; }

# Trim what a runtime image does not need.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*

mkdir -p "$rootfs/usr/share/dotnet/shared/Microsoft.NETCore.App" "$rootfs/usr/share/dotnet/host/fxr"
cp -a "$runtime_dir" "$rootfs/usr/share/dotnet/shared/Microsoft.NETCore.App/"
cp -a "$fxr_dir" "$rootfs/usr/share/dotnet/host/fxr/"
cp -a "$dotnet_root/dotnet" "$rootfs/usr/share/dotnet/dotnet"
ln -sf /usr/share/dotnet/dotnet "$rootfs/usr/bin/dotnet"

tar -C "$rootfs" --numeric-owner -c . | "$docker_cli" import \
  --platform linux/amd64 \
  --change 'ENV DOTNET_ROOT=/usr/share/dotnet' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV DOTNET_RUNNING_IN_CONTAINER=true' \
  --change 'WORKDIR /app' \
  - "$tag" >/dev/null
echo "built $tag"
"$docker_cli" run --rm "$tag" dotnet --list-runtimes
