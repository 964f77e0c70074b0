// The engine as dvsd runs it: Engine<DpdkPortIo>, instantiated here once.

#include "dataplane/engine/engine_impl.hpp"
#include "dataplane/engine/port_io.hpp"

namespace dvs::dataplane {

template class Engine<DpdkPortIo>;
// The concerns Engine's inline members call into (worker.cpp sees only
// their declarations).
template class Egress<DpdkPortIo>;
template class SyncAgent<DpdkPortIo>;
template class Templates<DpdkPortIo>;
template class KernelPath<DpdkPortIo>;

}  // namespace dvs::dataplane
