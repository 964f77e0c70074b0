#pragma once
// High availability on the control thread (README "High availability"):
// the VRRP instances (vrrp_service.hpp) decide whether this box is MASTER or
// BACKUP for each group of addresses; this class turns their transitions
// into what the dataplane does (Snapshot::ha: which addresses to leave
// alone, which gratuitous ARPs to send, whether to stream connections) and
// drives the connection sync channel (sync_channel.hpp):
//   INIT/MASTER -> BACKUP: ask the peer for its whole table (and, coming
//                          from MASTER, hand ours over first);
//   -> MASTER:             stop asking, stream our changes, gratuitous ARPs
//                          (IPv6 addresses: unsolicited Neighbor
//                          Advertisements) now and again 1 s and 5 s later.
// IPv4 and IPv6 instances run in a VrrpService each (one socket per family
// on ha.interface); they share the states, the announcements and the sync.
// Control thread only.

#include <utility>  // before Boost.Asio: its awaitable.hpp uses std::exchange

#include <boost/asio.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "control/config/config.hpp"
#include "control/ha/ha_status.hpp"
#include "control/ha/sync_channel.hpp"
#include "control/ha/vrrp_service.hpp"
#include "dataplane/snapshot.hpp"
#include "dataplane/sync_rings.hpp"

namespace dvs::control {

class HaManager {
public:
    // `republish`: rebuild the Snapshot and publish it (the daemon calls
    // apply() on it). `rings` is null when the config has no sync peer.
    HaManager(boost::asio::io_context& io, const Config& config, dataplane::SyncRings* rings,
              SyncChannel::SnapshotSource snapshot, std::function<void()> republish);
    ~HaManager();

    // Opens the VRRP and sync sockets (throws std::runtime_error) and starts.
    void start();
    // Masters send priority-0 adverts (the backup takes over at once).
    void stop();

    // The dataplane's view of the current states, into a Snapshot about to
    // be published.
    void apply(dataplane::Snapshot& snap) const;
    // Before any VRRP decision (start-up): every address is left alone.
    static void apply_initial(const Config& config, dataplane::Snapshot& snap);

    HaStatus status() const;
    bool is_master_of_any() const;

private:
    void on_transition(const std::string& instance, VrrpState from, VrrpState to,
                       const std::string& reason);
    void announce(const std::string& instance);
    void repeat_garps(size_t step);
    // Where each address of `v` is announced: a port's floating address on
    // that port, a VIP on the port whose subnet holds it, else on every port.
    std::vector<std::pair<IpAddress, uint16_t>> announce_ports(const VrrpInstanceConfig& v) const;

    boost::asio::io_context& io_;
    HaConfig ha_;
    std::vector<PortConfig> ports_;
    std::function<void()> republish_;
    std::map<std::string, VrrpState> states_;
    uint64_t garp_generation_ = 0;
    std::vector<dataplane::GratuitousArp> garp_;
    std::vector<dataplane::UnsolicitedNa> na_;
    std::string garp_instance_;
    boost::asio::steady_timer garp_timer_;
    std::unique_ptr<VrrpService> vrrp_;   // the IPv4 instances, if any
    std::unique_ptr<VrrpService> vrrp6_;  // the IPv6 instances, if any
    std::unique_ptr<SyncChannel> sync_;
};

}  // namespace dvs::control
