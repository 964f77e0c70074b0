#!/usr/bin/env bash
# Idempotent machine set-up for building and testing DVS.
#   - installs the Debian packages the build, the tests and the demo need
#     (apt-get update only when something is missing);
#   - reserves 2 MiB hugepages and mounts hugetlbfs on /dev/hugepages
#     (skipped with DVS_SETUP_PACKAGES_ONLY=1, e.g. in an image build).
# Safe to run repeatedly; non-interactive; must run as root.
set -euo pipefail

HUGEPAGES_WANTED=${DVS_HUGEPAGES:-1024}
HUGEPAGES_MIN=${DVS_HUGEPAGES_MIN:-512}
HUGE_MNT=/dev/hugepages

PACKAGES=(
    meson ninja-build pkg-config g++
    dpdk dpdk-dev libdpdk-dev
    libyaml-cpp-dev libspdlog-dev libboost-dev nlohmann-json3-dev catch2
    libssl-dev              # libcrypto: the MAC on sync datagrams (control/ha/sync_auth)
    openssl                 # tests/e2e/e2e_ha_forged_sync.sh makes its key files with it
    python3 python3-scapy
    clang libclang-rt-dev   # fuzz/ (libFuzzer) and its sanitizer runtimes
    clang-format            # scripts/format-check.sh (the meson test `format`)
    iproute2 ethtool curl socat procps iputils-ping tcpdump
    keepalived              # VRRP peer of tests/e2e/e2e_vrrp_keepalived.sh and e2e_ha_keepalived.sh
    prometheus              # scrapes dvsd in tests/e2e/e2e_monitoring.sh (promtool comes with it)
    chromium fonts-dejavu-core  # loads the status page in tests/e2e/e2e_status_page.sh (headless)
    libsystemd-dev          # sd_notify: dvsd.service is Type=notify (control/service_notify)
    bird2                   # BGP on the router and the boxes: tests/e2e/e2e_announce_health.sh, e2e_ecmp_*.sh
)

log() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

if [[ $(id -u) -ne 0 ]]; then
    die "must run as root (packages, hugepages and network namespaces need it); try: sudo $0"
fi

export DEBIAN_FRONTEND=noninteractive

# ---------------------------------------------------------------- packages
missing=()
for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    if [[ $status != "install ok installed" ]]; then
        missing+=("$pkg")
    fi
done

if ((${#missing[@]} > 0)); then
    log "installing missing packages: ${missing[*]}"
    apt-get update -q >/dev/null || die "apt-get update failed"
    apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "${missing[@]}" </dev/null >/tmp/dvs-setup-apt.log 2>&1 || {
        tail -n 30 /tmp/dvs-setup-apt.log >&2
        die "apt-get install failed (full log: /tmp/dvs-setup-apt.log)"
    }
    log "packages installed"
else
    log "all ${#PACKAGES[@]} packages already installed"
fi

if [[ ${DVS_SETUP_PACKAGES_ONLY:-0} == 1 ]]; then
    log "packages only (DVS_SETUP_PACKAGES_ONLY=1): hugepages left alone"
    exit 0
fi

# --------------------------------------------------------------- hugepages
current=$(cat /proc/sys/vm/nr_hugepages)
if ((current < HUGEPAGES_WANTED)); then
    log "reserving ${HUGEPAGES_WANTED} x 2 MiB hugepages (had ${current})"
    echo "$HUGEPAGES_WANTED" >/proc/sys/vm/nr_hugepages 2>/dev/null || true
    current=$(cat /proc/sys/vm/nr_hugepages)
    if ((current < HUGEPAGES_MIN)); then
        # Memory may be fragmented: drop caches, compact, and try once more.
        sync
        echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
        echo 1 >/proc/sys/vm/compact_memory 2>/dev/null || true
        echo "$HUGEPAGES_WANTED" >/proc/sys/vm/nr_hugepages 2>/dev/null || true
        current=$(cat /proc/sys/vm/nr_hugepages)
    fi
fi
if ((current < HUGEPAGES_MIN)); then
    die "only ${current} hugepages reserved (need at least ${HUGEPAGES_MIN}); free memory or reboot and retry"
fi
log "hugepages reserved: ${current}"

if ! mountpoint -q "$HUGE_MNT" 2>/dev/null; then
    mkdir -p "$HUGE_MNT"
    mount -t hugetlbfs -o pagesize=2M nodev "$HUGE_MNT" ||
        die "could not mount hugetlbfs on ${HUGE_MNT}"
    log "mounted hugetlbfs on ${HUGE_MNT}"
else
    log "hugetlbfs already mounted on ${HUGE_MNT}"
fi

log "done"
