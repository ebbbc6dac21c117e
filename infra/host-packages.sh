#!/usr/bin/env bash
# Installs what a libvirt compute host (and the real-libvirt tests) need from Debian, only what is missing, and
# starts virtlogd and libvirtd when they are not running. Idempotent; needs root (or passwordless sudo).
#
#   libvirt-daemon-system libvirt-clients   libvirtd, virtlogd and virsh (the driver talks to libvirt through virsh)
#   qemu-system-x86 qemu-utils              the emulator and qemu-img (base image + qcow2 overlay per instance)
#   genisoimage                             config drive ISOs
#   iproute2                                `ip link`: one host bridge per network
#   busybox-static cpio gzip                the tests' tiny guest initramfs (test/support/guest-image.ts; its kernel
#                                           comes from `apt-get download` of the package linux-image-amd64 names)
set -euo pipefail

PACKAGES=(libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils genisoimage iproute2 busybox-static cpio gzip)

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=(sudo -n); else
    echo "host-packages: not root and no passwordless sudo; cannot install ${PACKAGES[*]}" >&2
    exit 1
  fi
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then missing+=("$p"); fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "host-packages: installing ${missing[*]}"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "host-packages: all present (${PACKAGES[*]})"
fi

# The guest image builder asks apt which kernel package linux-image-amd64 depends on: that needs package lists.
if ! apt-cache show linux-image-amd64 >/dev/null 2>&1; then
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
fi

# Without systemd (containers, CI) the daemons are started directly; with it, through their units.
start_daemon() {
  local name=$1
  if pgrep -x "$name" >/dev/null; then return 0; fi
  if [ -d /run/systemd/system ]; then
    "${SUDO[@]}" systemctl start "$name" || "${SUDO[@]}" "$name" -d
  else
    "${SUDO[@]}" "$name" -d
  fi
  echo "host-packages: started $name"
}
start_daemon virtlogd
start_daemon libvirtd

for _ in $(seq 1 30); do
  if virsh -c qemu:///system version >/dev/null 2>&1; then
    echo "host-packages: libvirt answers on qemu:///system ($(virsh -c qemu:///system version | sed -n 's/^Running hypervisor: //p'))"
    exit 0
  fi
  sleep 1
done
echo "host-packages: libvirtd does not answer on qemu:///system" >&2
exit 1
