#pragma once
// A fake port for tests: what the engine would transmit is kept, in order,
// with the port index it was for; the test takes it with take(). Every
// packet counts as sent at once (no TX buffer, nothing refused).

#include <rte_mbuf.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace dvs::dataplane {

struct WorkerEnv;

class CapturePortIo {
public:
    struct Sent {
        uint16_t port_index;
        rte_mbuf* m;  // owned by the test once taken
    };

    void init(const WorkerEnv&, uint32_t) {}
    uint16_t send(uint16_t port_index, uint16_t /*queue*/, rte_mbuf* m) {
        sent_.push_back({port_index, m});
        return 1;
    }
    uint16_t flush(uint16_t, uint16_t) { return 0; }
    uint64_t take_dropped() { return 0; }

    std::vector<Sent> take() { return std::exchange(sent_, {}); }

private:
    std::vector<Sent> sent_;  // test code: allocation is fine here
};

}  // namespace dvs::dataplane
