#pragma once
// The field lists of the structs both requests and answers carry (see
// strict_json.hpp for how a describe() is read and written). Private to the
// two codecs.

#include "mgmt/strict_json.hpp"

namespace dvs::mgmt {

template <class V, class S>
requires wire::Is<S, ServiceKey>
void describe(V& v, S& k) {
    v("vip", k.vip, wire::kIp);
    v("port", k.port);
    v("protocol", k.protocol);
}

template <class V, class S>
requires wire::Is<S, ServerKey>
void describe(V& v, S& k) {
    v("address", k.address, wire::kIp);
    v("port", k.port);
}

template <class V, class S>
requires wire::Is<S, Persistence>
void describe(V& v, S& p) {
    v("timeout", p.timeout, wire::Range{1, kMaxTimeoutSeconds}, wire::kDefault);
    v("netmask", p.netmask, wire::kNetmask, wire::kDefault);
    v("prefix_length", p.prefix_length, wire::Range{1, 128});
}

}  // namespace dvs::mgmt
