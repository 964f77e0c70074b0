#include "dataplane/conn.hpp"

#include "packet/wire.hpp"

namespace dvs::dataplane {

const char* conn_state_name(ConnState s) {
    switch (s) {
        case ConnState::kUdp:
            return "UDP";
        case ConnState::kTcpSynRecv:
            return "SYN_RECV";
        case ConnState::kTcpEstablished:
            return "ESTABLISHED";
        case ConnState::kTcpFinWait:
            return "FIN_WAIT";
        case ConnState::kTcpClose:
            return "CLOSE";
        case ConnState::kTemplate:
            return "TEMPLATE";
        case ConnState::kCount:
            break;
    }
    return "?";
}

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
