#pragma once
// Every member definition of Engine<Io> and its concern classes, one file
// per concern. Include this
// only where an Io is instantiated, once per program for each Io
// (`template class Engine<MyIo>;`): engine_dpdk.cpp for dvsd's DpdkPortIo,
// the golden runner for CapturePortIo.

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include <algorithm>
#include <cstring>
#include <new>

#include "dataplane/engine/engine.hpp"
#include "dataplane/engine/helpers.hpp"
#include "dataplane/flow_hash.hpp"
#include "packet/arp.hpp"
#include "packet/frag_guard.hpp"
#include "packet/icmp.hpp"
#include "packet/icmp6.hpp"
#include "packet/icmp6_error.hpp"
#include "packet/icmp_error.hpp"
#include "packet/l4_checksum.hpp"
#include "packet/nat6_rewrite.hpp"
#include "packet/nat_rewrite.hpp"
#include "packet/tcp_reset.hpp"
#include "packet/tun_encap.hpp"

// One file per concern (any order: all are definitions of declared templates).
#include "dataplane/engine/classify.ipp"
#include "dataplane/engine/conn_track.ipp"
#include "dataplane/engine/dr.ipp"
#include "dataplane/engine/egress.ipp"
#include "dataplane/engine/established.ipp"
#include "dataplane/engine/fragment.ipp"
#include "dataplane/engine/icmp.ipp"
#include "dataplane/engine/icmp6_errors.ipp"
#include "dataplane/engine/ipv6_forward.ipp"
#include "dataplane/engine/ipv6_local.ipp"
#include "dataplane/engine/kernel.ipp"
#include "dataplane/engine/lifecycle.ipp"
#include "dataplane/engine/nat.ipp"
#include "dataplane/engine/neighbor.ipp"
#include "dataplane/engine/sync.ipp"
#include "dataplane/engine/templates.ipp"
#include "dataplane/engine/tun.ipp"
#include "dataplane/engine/tun6.ipp"
