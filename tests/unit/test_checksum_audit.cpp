// The sampled L4 checksum audit: the verdict on one packet
// (packet/l4_checksum) and the control thread's one warning per port
// (control/checksum_audit).
#include <catch2/catch.hpp>
#include <cstddef>
#include <cstring>
#include <memory>

#include "control/checksum_audit.hpp"
#include "packet/checksum.hpp"
#include "packet/l4_checksum.hpp"
#include "packet/packet_view.hpp"
#include "packet_builder.hpp"

using namespace dvs::dataplane;
using dvs::test::ip4;
using dvs::test::make_frame;

namespace {

const std::vector<uint8_t> kPayload = {'h', 'e', 'l', 'l', 'o', ' ', 'd', 'v', 's'};

L4ChecksumCheck verdict(dvs::test::Frame& f) {
    return check_l4_checksum(parse_frame(f.data(), f.size()));
}

// What a sender with checksum offload on hands over: the checksum field
// holds only the folded pseudo-header sum, for the NIC to finish.
void make_partial(dvs::test::Frame& f) {
    const PacketView v = parse_frame(f.data(), f.size());
    const uint16_t partial = csum_fold(pseudo_header_sum(*v.ip, v.proto, v.l4_len));
    const size_t at =
        v.proto == kIpProtoTcp ? offsetof(TcpHdr, checksum) : offsetof(UdpHdr, checksum);
    std::memcpy(v.l4 + at, &partial, 2);
}

}  // namespace

TEST_CASE("check_l4_checksum: good, corrupted and offload-partial TCP and UDP", "[checksum]") {
    for (const uint8_t proto : {kIpProtoTcp, kIpProtoUdp}) {
        auto f = make_frame(proto, ip4(10, 0, 1, 2), ip4(192, 0, 2, 10), be16(40000), be16(80),
                            kPayload);
        CHECK(verdict(f) == L4ChecksumCheck::kGood);

        auto corrupt = f;
        corrupt.bytes.back() ^= 0x01;
        CHECK(verdict(corrupt) == L4ChecksumCheck::kBad);

        auto partial = f;
        make_partial(partial);
        CHECK(verdict(partial) == L4ChecksumCheck::kBad);
    }
}

TEST_CASE("check_l4_checksum: what it cannot judge is not checked", "[checksum]") {
    // UDP without a checksum (0 means none).
    auto none = make_frame(kIpProtoUdp, ip4(10, 0, 1, 2), ip4(192, 0, 2, 10), be16(40000), be16(53),
                           kPayload, kTcpAck, false);
    CHECK(verdict(none) == L4ChecksumCheck::kNotChecked);

    // A first fragment holds only part of the segment its checksum covers.
    auto first = make_frame(kIpProtoUdp, ip4(10, 0, 1, 2), ip4(192, 0, 2, 10), be16(40000),
                            be16(53), kPayload);
    first.bytes.back() ^= 0x01;
    first.ip()->frag_off = be16(kIpFlagMoreFragments);
    first.ip()->checksum = 0;
    first.ip()->checksum = csum_compute(first.ip(), sizeof(Ipv4Hdr));
    CHECK(verdict(first) == L4ChecksumCheck::kNotChecked);
}

TEST_CASE("ChecksumAudit warns once per port, naming it, when its count grows", "[checksum]") {
    auto w0 = std::make_unique<WorkerCounters>();
    auto w1 = std::make_unique<WorkerCounters>();
    dvs::control::ChecksumAudit audit({"wan (net_af_packet0)", "lan (net_af_packet1)"});
    const std::vector<const WorkerCounters*> workers = {w0.get(), w1.get()};

    CHECK(audit.poll(workers).empty());  // nothing bad yet

    w1->l4_checksum_bad_by_port[1].add(3);
    auto warnings = audit.poll(workers);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find("port lan (net_af_packet1)") == 0);
    CHECK(warnings[0].find("(3 so far)") != std::string::npos);
    CHECK(warnings[0].find("ethtool -K") != std::string::npos);

    // More on the same port: already said. A second port: its own warning.
    w0->l4_checksum_bad_by_port[1].add(5);
    CHECK(audit.poll(workers).empty());
    w0->l4_checksum_bad_by_port[0].add(1);
    warnings = audit.poll(workers);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find("port wan (net_af_packet0)") == 0);
}
