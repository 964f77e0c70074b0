#!/usr/bin/env bash
# shellcheck disable=SC2016
# e2e_dvsadm6 (issue 15): dvsadm with IPv6, in ipvsadm's syntax, against a
# dual-stack dvsd whose file has only the IPv4 service.
#  - -A -t [VIP6]:80 and -a -r [RIP6]:8080 -m add a NAT66 service at runtime:
#    kernel TCP over IPv6 reaches all three servers;
#  - -L -n prints it as ipvsadm does (TCP  [2001:db8:10::80]:80 rr);
#  - -L -c and conns --vip [VIP6]:80 list the IPv6 connections the workers hold;
#  - -e changes a weight, -d removes a server (new connections follow), -g adds
#    a DR server line;
#  - -E -p 300 -M 64 makes the service persistent by client /64 (ipvsadm's
#    -M for IPv6): -L -n prints "persistent 300 mask 64", the client's
#    connections stay on one server; -M with a netmask is refused;
#  - -S saves the IPv6 rules with their "# dvs:" line and -p/-M, -C clears,
#    -R restores: traffic flows again and -S matches the saved text; -D
#    removes the service.
set -euo pipefail
DVS_SRC=${DVS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../lib/topology.sh
source "$DVS_SRC/tests/lib/topology.sh"

e2e_init e2e_dvsadm6 dvsA6
DVSADM=${DVSADM:-$DVS_SRC/build/src/dvsadm/dvsadm}
[[ -x $DVSADM ]] || { echo "FAIL: dvsadm not built at $DVSADM"; exit 1; }
export RS_IPV6=1 RS_BLOB_MB=1
VIP6=2001:db8:10::80

# Dual stack ports; the IPv6 service comes from dvsadm, not the file.
e2e_setup_dual_stack 1 3
SOCK=/run/dvs/$E2E_PREFIX.sock
adm() { "$DVSADM" --socket "$SOCK" "$@"; }
whoami_n() {  # N requests to URL: prints the by_server JSON
    ip netns exec "$E2E_PREFIX-cl" "$DVS_PY" "$DVS_LIB/http_client.py" --url "$2" --count "$1" \
        --timeout 2 --deadline 30 || true
}
URL6="http://[$VIP6]/whoami"

echo "-- -A/-a: [$VIP6]:80 (rr) with three NAT66 servers"
adm -A -t "[$VIP6]:80" -s rr
for i in 1 2 3; do adm -a -t "[$VIP6]:80" -r "[2001:db8:2::1$i]:8080" -m -w 1; done
res=$(whoami_n 30 "$URL6")
echo "   $res"
check "30 requests over IPv6 answered" test "$(json_field "$res" ok)" -eq 30
check "rr: rs1, rs2, rs3 10 each" test "$(json_field "$res" by_server.rs1)" -eq 10 \
    -a "$(json_field "$res" by_server.rs2)" -eq 10 -a "$(json_field "$res" by_server.rs3)" -eq 10

echo "-- -L -n"
out=$(adm -L -n)
echo "$out" | sed 's/^/   /'
check "-L -n: the IPv6 service as ipvsadm prints it" grep -qx "TCP  \[$VIP6\]:80 rr" <<<"$out"
check "-L -n: an IPv6 real server line" \
    grep -Eq "^  -> \[2001:db8:2::11\]:8080 +Masq +1 " <<<"$out"
check "-L -n: the IPv4 service still there" grep -q "^TCP  192.0.2.10:80 wrr" <<<"$out"

echo "-- -L -c and conns: IPv6 connections out of the workers' tables"
conns=$(adm -L -c -n)
echo "$conns" | head -4 | sed 's/^/   /'
n6=$(grep -c "\[$VIP6\]:80" <<<"$conns" || true)
check "-c: the 30 IPv6 connections are listed ($n6)" test "$n6" -eq 30
check "-c: a line in ipvsadm's form" \
    grep -Eq "^TCP +[0-9:]+ +[A-Z_]+ +\[2001:db8:1::2\]:[0-9]+ +\[$VIP6\]:80 +\[2001:db8:2::1[123]\]:8080" \
    <<<"$conns"
nf=$(adm conns --vip "[$VIP6]:80" --server 2001:db8:2::12 | grep -c "\[$VIP6\]:80" || true)
check "conns --vip [VIP6]:80 --server rs2: rs2's 10 ($nf)" test "$nf" -eq 10
n4=$(adm conns --vip 192.0.2.10 | grep -c "\[" || true)
check "conns --vip of the IPv4 VIP lists no IPv6 connection ($n4)" test "$n4" -eq 0

echo "-- -e, -d, -g"
adm -e -t "[$VIP6]:80" -r "[2001:db8:2::12]:8080" -m -w 4
check "-e: weight 4 listed" grep -Eq "^  -> \[2001:db8:2::12\]:8080 +Masq +4 " <<<"$(adm -L -n)"
adm -d -t "[$VIP6]:80" -r "[2001:db8:2::11]:8080"
res=$(whoami_n 10 "$URL6")
check "after -d rs1 answers nothing ($res)" test "$(json_field "$res" by_server.rs1)" -eq 0 \
    -a "$(json_field "$res" ok)" -eq 10
adm -a -t "[$VIP6]:443" -r "[2001:db8:2::13]" -g 2>"$E2E_DIR/err" && rc=0 || rc=$?
check "-a to a service that does not exist: exit 1 ($rc): $(cat "$E2E_DIR/err")" test "$rc" -eq 1
adm -A -t "[$VIP6]:443" -s wrr
adm -a -t "[$VIP6]:443" -r "[2001:db8:2::13]" -g
check "-g: a DR server on the service's port" \
    grep -Eq "^  -> \[2001:db8:2::13\]:443 +Route +1 " <<<"$(adm -L -n)"
rc=0; adm -a -t "[$VIP6]:80" -r 10.0.0.11:8080 -m 2>"$E2E_DIR/err" || rc=$?
check "an IPv4 server for an IPv6 VIP: exit 2 ($rc): $(cat "$E2E_DIR/err")" test "$rc" -eq 2

echo "-- -E -p 300 -M 64: persistence by the client's /64"
adm -E -t "[$VIP6]:80" -s rr -p 300 -M 64
out=$(adm -L -n)
check "-L -n: persistent 300 mask 64, as ipvsadm prints an IPv6 prefix" \
    grep -qx "TCP  \[$VIP6\]:80 rr persistent 300 mask 64" <<<"$out"
res=$(whoami_n 10 "$URL6")
echo "   $res"
check "10 new connections from the /64 all on one server ($res)" \
    test "$(json_field "$res" by_server.rs2)" -eq 10 -o "$(json_field "$res" by_server.rs3)" -eq 10
rc=0; adm -E -t "[$VIP6]:80" -s rr -p 300 -M 255.255.255.0 2>"$E2E_DIR/err" || rc=$?
check "-M with a netmask for an IPv6 service: exit 2 ($rc): $(cat "$E2E_DIR/err")" test "$rc" -eq 2

echo "-- -S, -C, -R with the IPv6 rules"
adm -R <<<"# dvs: -t [$VIP6]:80 { name: web6 }"
saved=$(adm -S -n)
echo "$saved" | sed 's/^/   /'
check "-S: the IPv6 service, persistent by /64" \
    grep -qx -- "-A -t \[$VIP6\]:80 -s rr -p 300 -M 64" <<<"$saved"
check "-S: its # dvs: line with the name" grep -q "^# dvs: -t \[$VIP6\]:80 { name: web6" <<<"$saved"
check "-S: an IPv6 server" grep -qx -- "-a -t \[$VIP6\]:80 -r \[2001:db8:2::12\]:8080 -m -w 4" <<<"$saved"
adm -C
res=$(whoami_n 2 "$URL6")
check "-C: the IPv6 VIP no longer answers" test "$(json_field "$res" failed)" -eq 2
adm -R <<<"$saved"
check "-R: -S after restore equals the saved rules" test "$(adm -S -n)" = "$saved"
check "-R: the name web6 came back" grep -q "name: web6" <<<"$(adm save-yaml)"
res=$(whoami_n 10 "$URL6")
check "-R: IPv6 traffic flows again ($res)" test "$(json_field "$res" ok)" -eq 10
adm -D -t "[$VIP6]:80"
check "-D: the service is gone" bash -c '! grep -q "\[2001:db8:10::80\]:80 " <<<"$1"' _ "$(adm -L -n)"

e2e_stop_checked
e2e_finish
