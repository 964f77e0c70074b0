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

}  // namespace dvs::dataplane
