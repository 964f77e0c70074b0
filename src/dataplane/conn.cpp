#include "dataplane/conn.hpp"

#include "common/name_table.hpp"

#include "packet/wire.hpp"

namespace dvs::dataplane {

constexpr NameTable<ConnState, 6> kConnStateNames{{
    {ConnState::kUdp, "UDP"},
    {ConnState::kTcpSynRecv, "SYN_RECV"},
    {ConnState::kTcpEstablished, "ESTABLISHED"},
    {ConnState::kTcpFinWait, "FIN_WAIT"},
    {ConnState::kTcpClose, "CLOSE"},
    {ConnState::kTemplate, "TEMPLATE"},
}};

const char* conn_state_name(ConnState s) { return name_of(kConnStateNames, s).data(); }

// A compact form of IPVS's tcp_states table: RST closes, FIN moves to the
// fin-wait family, the client's first ACK after its SYN establishes.
ConnState tcp_next_state(ConnState s, Direction dir, uint8_t flags) {
    if (flags & kTcpRst) return ConnState::kTcpClose;
    if (flags & kTcpFin) return s == ConnState::kTcpClose ? s : ConnState::kTcpFinWait;
    if (s == ConnState::kTcpSynRecv && dir == Direction::kInbound && (flags & kTcpAck) &&
        !(flags & kTcpSyn)) {
        return ConnState::kTcpEstablished;
    }
    return s;
}

}  // namespace dvs::dataplane
