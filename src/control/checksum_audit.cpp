#include "control/checksum_audit.hpp"

namespace dvs::control {

std::vector<std::string> ChecksumAudit::poll(
    const std::vector<const dataplane::WorkerCounters*>& workers) {
    std::vector<std::string> out;
    for (size_t p = 0; p < ports_.size() && p < dataplane::kMaxPorts; ++p) {
        if (warned_[p]) continue;
        uint64_t bad = 0;
        for (const dataplane::WorkerCounters* w : workers) {
            bad += w->l4_checksum_bad_by_port[p].get();
        }
        if (bad == 0) continue;
        warned_[p] = true;
        out.push_back("port " + ports_[p] +
                      ": sampled TCP/UDP packets arrive with wrong checksums (" +
                      std::to_string(bad) +
                      " so far). The sender probably leaves checksum offload on (on a veth lab: "
                      "ethtool -K <the veth's peer> tx off); dvsd forwards them unchanged and the "
                      "real servers drop them. Counter: l4_checksum_bad");
    }
    return out;
}

}  // namespace dvs::control
