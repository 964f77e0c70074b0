#pragma once
// Persistence templates for one core's engine (templates.ipp): a template
// lives on the core chosen by the masked client address (template_core),
// like a connection on its owner core, and counts the connections it placed
// until they end. Written by its own core only; other cores reach it by
// handoff (kTemplate) and by release messages (HandoffRings::msg).

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include <cstdint>

#include "dataplane/conn_table.hpp"
#include "dataplane/engine/core_context.hpp"
#include "dataplane/engine/egress.hpp"
#include "dataplane/snapshot.hpp"
#include "packet/packet_view.hpp"

namespace dvs::dataplane {

template <class Io>
class ConnTracker;
template <class Io>
class SyncAgent;

template <class Io>
class Templates {
public:
    using Ports = FlowPorts;

    // The peers are the engine's members; they may still be under
    // construction here (only their addresses are taken).
    Templates(CoreContext& ctx, Egress<Io>& out, ConnTracker<Io>& track, SyncAgent<Io>& sync)
        : ctx_(ctx), out_(out), track_(track), sync_(sync) {}
    Templates(const Templates&) = delete;
    Templates& operator=(const Templates&) = delete;

    uint32_t template_core(const Service& svc, uint32_t client_ip) const;
    // On the template core: the real server through the client's template,
    // then the packet back to the flow's owner.
    void template_assign(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Service& svc,
                         const Ports& ports);
    const RealServer* template_pick(const Snapshot& snap, const Service& svc, uint32_t client_ip,
                                    const Ports& ports);
    // A connection placed by a template is gone: tell the template's core.
    // from_template: the connection's mark (template_mark of the netmask it
    // was placed under), so that a reload that changed the service's
    // netmask still finds the template; 0: the service's netmask now.
    void release_template(uint16_t service_id, uint32_t rs_id, uint32_t client_ip,
                          const Snapshot& snap, uint8_t from_template = 0);
    // Conn::from_template of a connection placed under `mask`: its prefix
    // length + 1 (never 0), and the mask back from it.
    static uint8_t template_mark(uint32_t mask) {
        return static_cast<uint8_t>(__builtin_popcount(mask) + 1);
    }
    static uint32_t mask_of_mark(uint8_t mark) {
        const uint32_t bits = mark - 1u;
        return bits == 0 ? 0 : rte_cpu_to_be_32(~0u << (32 - bits));
    }
    // Template releases from other cores.
    void poll_messages(const Snapshot& snap);

    // IPv6 (templates in CoreContext::conns6, keyed by template_key6): the
    // same life as IPv4's, with the service's prefix length for a netmask
    // and TemplateRelease6 messages on their own rings.
    uint32_t template_core6(const Service& svc, const Ip6& client) const {
        return owner_core(client.masked(svc.persistence_prefix6), svc.port, ctx_.env.n_workers);
    }
    const RealServer* template_pick6(const Snapshot& snap, const Service& svc, const Ip6& client,
                                     const Ports& ports);
    // from_template: the connection's mark (prefix length + 1); 0: the
    // service's prefix length now.
    void release_template6(uint16_t service_id, uint32_t rs_id, const Ip6& client,
                           const Snapshot& snap, uint8_t from_template = 0);
    static uint8_t template_mark6(uint8_t prefix) { return static_cast<uint8_t>(prefix + 1); }
    // The wheel's expiry of an IPv6 template: kept (ticks) while it controls
    // connections, else 0.
    uint32_t expire6(const Conn6& t, const Snapshot& snap);

private:
    void apply_release(const TemplateRelease& r, const Snapshot& snap);
    void apply_release6(const TemplateRelease6& r, const Snapshot& snap);

    CoreContext& ctx_;
    Egress<Io>& out_;
    ConnTracker<Io>& track_;
    SyncAgent<Io>& sync_;
};

}  // namespace dvs::dataplane
