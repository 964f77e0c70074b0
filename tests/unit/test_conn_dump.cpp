// ConnDumpFilter: what dvsadm -c and the restart file ask the workers for.

#include <catch2/catch.hpp>

#include "dataplane/conn_dump.hpp"

using namespace dvs::dataplane;

namespace {

Conn tcp_conn() {
    Conn c{};
    c.client_ip = 0x0201000a;  // 10.0.1.2, network order
    c.vip = 0x330200c0;        // 192.0.2.51
    c.proto = 6;
    c.state = ConnState::kTcpEstablished;
    return c;
}

}  // namespace

TEST_CASE("a protocol filter keeps that protocol's templates", "[conn]") {
    Conn templ = tcp_conn();
    templ.proto = 6 | kTemplateProtoFlag;
    templ.state = ConnState::kTemplate;
    ConnDumpFilter tcp;
    tcp.proto = 6;
    CHECK(tcp.matches(tcp_conn()));
    CHECK(tcp.matches(templ));  // dvsadm conns --protocol tcp lists it
    ConnDumpFilter udp;
    udp.proto = 17;
    CHECK_FALSE(udp.matches(tcp_conn()));
    CHECK_FALSE(udp.matches(templ));
    Conn6 templ6{};
    templ6.proto = 6 | kTemplateProtoFlag;
    templ6.state = ConnState::kTemplate;
    CHECK(tcp.matches(templ6));
    CHECK_FALSE(udp.matches(templ6));
}
