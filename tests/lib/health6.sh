# shellcheck shell=bash
# The set-up the IPv6 health tests share (e2e_health6, e2e_sorry6): dvsd
# with IPv6 port addresses and the exception path, real servers that can be
# stopped and started, HTTP requests to the IPv6 VIP. Sourced after
# topology.sh and e2e_init; the test sets VIP6.

# health6_base_yaml PREFIX: e2e_base_yaml with 2001:db8:1::1/64 on wan and
# 2001:db8:2::1/64 on lan.
health6_base_yaml() {
    e2e_base_yaml "$1" | sed \
        -e 's|addresses: \[10.0.1.1/24\]|addresses: [10.0.1.1/24, "2001:db8:1::1/64"]|' \
        -e 's|addresses: \[10.0.0.1/24\]|addresses: [10.0.0.1/24, "2001:db8:2::1/64"]|'
}

declare -A RS_PID
# start_rs N: rs_server.py in rsN (HTTP 8080, UDP 5353, IPv4 and IPv6);
# waits until it answers.
start_rs() {
    local n=$1
    mkdir -p "$E2E_DIR/rs"
    ip netns exec "$E2E_PREFIX-rs$n" "$DVS_PY" "$DVS_LIB/rs_server.py" --name "rs$n" \
        --http-port 8080 --udp-port 5353 --bind6 "2001:db8:2::$((10 + n))" --blob-mb 1 \
        --dir "$E2E_DIR/rs" </dev/null >>"$E2E_DIR/rs/rs$n.log" 2>&1 &
    RS_PID[$n]=$!
    _wait_until 10 _rs_answers "$E2E_PREFIX-rs$n" "10.0.0.$((10 + n))" "rs$n"
}
stop_rs() {  # N
    kill "${RS_PID[$1]}" 2>/dev/null || true
    wait "${RS_PID[$1]}" 2>/dev/null || true
}

# requests COUNT OUT: COUNT HTTP requests from the client to [VIP6]/whoami.
requests() {
    ip netns exec "$E2E_PREFIX-cl" "$DVS_PY" "$DVS_LIB/http_client.py" \
        --url "http://[$VIP6]/whoami" --count "$1" --timeout 3 --deadline 40 >"$2" 2>&1 || true
}
dvsadm() { "$DVSADM" --socket "/run/dvs/$E2E_PREFIX.sock" "$@"; }

# health6_topology NUM_RS: topo_up with IPv6 in the client and the real
# servers; as in e2e_exception6, the kernel must not answer for dvsd's
# addresses on the af_packet veths itself (IPv6 stays off there: the
# topology's default).
health6_topology() {
    topo_up "$E2E_PREFIX" "$1" || { echo "FAIL: topology"; return 1; }
    topo_add_ipv6 "$E2E_PREFIX" "$1" || { echo "FAIL: IPv6 in the topology"; return 1; }
    local ifname
    for ifname in wan lan; do
        ip netns exec "$E2E_PREFIX-lb" sysctl -qw "net.ipv4.conf.$ifname.rp_filter=1" &&
            ip -n "$E2E_PREFIX-lb" link set dev "$ifname" arp off ||
            { echo "FAIL: could not keep the kernel off $ifname"; return 1; }
    done
}
