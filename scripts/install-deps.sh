#!/usr/bin/env bash
# Installs what tern's tests, lab and benchmark need on a Debian 12 machine, as root:
# the BGP daemons tern interoperates with (BIRD 2, FRR, GoBGP), packet tools, etcd, and checks Node.js.
# Safe to run again: apt-get skips what is already installed.
set -euo pipefail

packages=(bird2 frr gobgpd etcd-server iproute2 iputils-ping tcpdump tshark procps libcap2-bin)

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: run as root (apt-get install and network namespaces need it)" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; answer once so the install never waits for a human.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi

# The Debian packages start their daemons as system services; tern's tests start their own, in namespaces.
for svc in bird frr gobgpd etcd; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" || true
  fi
done

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "install-deps: tern needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
echo "install-deps: ok (Node $(node --version); ${#missing[@]} Debian packages installed now)"
