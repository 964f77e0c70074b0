#include "dataplane/handoff.hpp"

#include <rte_errno.h>

#include <stdexcept>
#include <string>

namespace dvs::dataplane {

int g_handoff_field_offset = -1;

int register_handoff_field() {
    static const rte_mbuf_dynfield desc = {"dvs_handoff_meta", sizeof(HandoffMeta),
                                           alignof(HandoffMeta), 0};
    g_handoff_field_offset = rte_mbuf_dynfield_register(&desc);
    if (g_handoff_field_offset < 0) {
        throw std::runtime_error(std::string("mbuf dynfield registration: ") +
                                 rte_strerror(rte_errno));
    }
    return g_handoff_field_offset;
}

HandoffRings create_handoff_rings(uint32_t workers, unsigned ring_size) {
    HandoffRings r;
    for (uint32_t from = 0; from < workers; ++from) {
        for (uint32_t to = 0; to < workers; ++to) {
            if (from == to) continue;
            const std::string name = "dvs_ho_" + std::to_string(from) + "_" + std::to_string(to);
            r.ring[from][to] = rte_ring_create(name.c_str(), ring_size, SOCKET_ID_ANY,
                                               RING_F_SP_ENQ | RING_F_SC_DEQ);
            if (r.ring[from][to] == nullptr) {
                throw std::runtime_error("handoff ring " + name + ": " + rte_strerror(rte_errno));
            }
            const std::string msg_name =
                "dvs_msg_" + std::to_string(from) + "_" + std::to_string(to);
            r.msg[from][to] = rte_ring_create(msg_name.c_str(), ring_size, SOCKET_ID_ANY,
                                              RING_F_SP_ENQ | RING_F_SC_DEQ);
            if (r.msg[from][to] == nullptr) {
                throw std::runtime_error("message ring " + msg_name + ": " +
                                         rte_strerror(rte_errno));
            }
            const std::string msg6_name =
                "dvs_msg6_" + std::to_string(from) + "_" + std::to_string(to);
            r.msg6[from][to] =
                rte_ring_create_elem(msg6_name.c_str(), sizeof(TemplateRelease6), ring_size,
                                     SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
            if (r.msg6[from][to] == nullptr) {
                throw std::runtime_error("message ring " + msg6_name + ": " +
                                         rte_strerror(rte_errno));
            }
        }
    }
    return r;
}

void free_handoff_rings(HandoffRings& rings, uint32_t workers) {
    for (uint32_t from = 0; from < workers; ++from) {
        for (uint32_t to = 0; to < workers; ++to) {
            rte_ring_free(rings.msg[from][to]);
            rings.msg[from][to] = nullptr;
            rte_ring_free(rings.msg6[from][to]);
            rings.msg6[from][to] = nullptr;
            rte_ring* r = rings.ring[from][to];
            if (r == nullptr) continue;
            rte_mbuf* m;
            while (rte_ring_sc_dequeue(r, reinterpret_cast<void**>(&m)) == 0) rte_pktmbuf_free(m);
            rte_ring_free(r);
            rings.ring[from][to] = nullptr;
        }
    }
}

}  // namespace dvs::dataplane
