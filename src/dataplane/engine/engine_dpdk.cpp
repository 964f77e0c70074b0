// The engine as dvsd runs it: Engine<DpdkPortIo>, instantiated here once.

#include "dataplane/engine/engine_impl.hpp"
#include "dataplane/engine/port_io.hpp"

namespace dvs::dataplane {

template class Engine<DpdkPortIo>;

}  // namespace dvs::dataplane
