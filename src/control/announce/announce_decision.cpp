#include "control/announce/announce_decision.hpp"

namespace dvs::control {

std::string_view to_string(AnnounceReason r) {
    switch (r) {
        case AnnounceReason::kServing:
            return "serving";
        case AnnounceReason::kNotReady:
            return "not_ready";
        case AnnounceReason::kDrained:
            return "drained";
        case AnnounceReason::kStopping:
            return "stopping";
        case AnnounceReason::kNoUsableServer:
            return "no_usable_server";
    }
    return "unknown";
}

std::vector<VipVerdict> decide_announcements(const AnnounceInputs& in) {
    std::vector<VipVerdict> out;
    out.reserve(in.vips.size());
    for (const VipServing& v : in.vips) {
        VipVerdict d{v.vip, false, AnnounceReason::kServing};
        if (in.stopping) {
            d.reason = AnnounceReason::kStopping;
        } else if (in.drained) {
            d.reason = AnnounceReason::kDrained;
        } else if (!in.ready) {
            d.reason = AnnounceReason::kNotReady;
        } else if (v.usable_services == 0) {
            d.reason = AnnounceReason::kNoUsableServer;
        } else {
            d.announced = true;
        }
        out.push_back(d);
    }
    return out;
}

}  // namespace dvs::control
