// ipvsadm's defaults, applied to a Command to build its request.

#include "dvsadm/request.hpp"

#include <stdexcept>

namespace dvs::dvsadm {

namespace {

constexpr const char* kDefaultScheduler = "wlc";  // ipvsadm's DEF_SCHED

mgmt::ServiceSpec service_spec(const Command& cmd) {
    mgmt::ServiceSpec spec;
    spec.key = *cmd.service;
    spec.scheduler = cmd.scheduler.value_or(kDefaultScheduler);
    spec.flags = cmd.sched_flags.value_or(std::vector<std::string>{});
    std::optional<mgmt::Persistence> persistence;
    if (cmd.persistent) {
        persistence =
            mgmt::Persistence{*cmd.persistent, cmd.netmask.value_or(0xffffffff), std::nullopt};
        if (cmd.prefix_length) persistence->prefix_length = *cmd.prefix_length;
    }
    spec.persistence = persistence;  // always sent: null means "not persistent"
    return spec;
}

mgmt::ServerSpec server_spec(const Command& cmd) {
    mgmt::ServerSpec spec;
    const ForwardMethod forward = cmd.forward.value_or(ForwardMethod::kDr);
    spec.key.address = cmd.server->address;
    spec.key.port = forward == ForwardMethod::kNat ? cmd.server->port.value_or(cmd.service->port)
                                                   : cmd.service->port;
    spec.weight = cmd.weight.value_or(1);
    spec.forward = forward;
    return spec;
}

}  // namespace

mgmt::Request to_request(const Command& cmd) {
    switch (cmd.verb) {
        case Verb::kList:
            if (cmd.list.connections) return mgmt::ConnsRequest{};
            if (cmd.list.timeout) return mgmt::ListRequest{};
            return mgmt::ListRequest{cmd.list.stats, cmd.list.rate};
        case Verb::kSave:
            return mgmt::ListRequest{};
        case Verb::kAddService:
            return mgmt::AddServiceRequest{service_spec(cmd)};
        case Verb::kEditService:
            return mgmt::EditServiceRequest{service_spec(cmd)};
        case Verb::kDeleteService:
            return mgmt::DelServiceRequest{*cmd.service};
        case Verb::kAddServer:
            return mgmt::AddServerRequest{*cmd.service, server_spec(cmd)};
        case Verb::kEditServer:
            return mgmt::EditServerRequest{*cmd.service, server_spec(cmd)};
        case Verb::kDeleteServer:
            return mgmt::DelServerRequest{
                *cmd.service,
                mgmt::ServerKey{cmd.server->address, cmd.server->port.value_or(cmd.service->port)}};
        case Verb::kClear:
            return mgmt::ClearRequest{};
        case Verb::kZero:
            return mgmt::ZeroRequest{cmd.service};
        case Verb::kSetTimeouts:
            return cmd.timeouts;
        case Verb::kStatus:
            return mgmt::StatusRequest{};
        case Verb::kReload:
            return mgmt::ReloadRequest{cmd.dry_run, cmd.restart};
        case Verb::kSaveYaml:
            return mgmt::SaveYamlRequest{};
        case Verb::kSaveRuntime:
            return mgmt::SaveRuntimeRequest{};
        case Verb::kServiceOptions: {
            mgmt::SetServiceOptionsRequest q{*cmd.service, cmd.service_options, std::nullopt};
            if (cmd.server) {
                q.server = mgmt::ServerKey{cmd.server->address,
                                           cmd.server->port.value_or(cmd.service->port)};
            }
            return q;
        }
        case Verb::kConns:
            return mgmt::ConnsRequest{cmd.conn_filter, cmd.conn_limit};
        case Verb::kHealth:
            return mgmt::HealthRequest{};
        case Verb::kHa:
            return mgmt::HaRequest{};
        case Verb::kFleet:
            return mgmt::FleetRequest{cmd.fleet_action};
        case Verb::kRestore:
        case Verb::kHelp:
        case Verb::kVersion:
            break;
    }
    throw std::logic_error("to_request: this command sends no single request");
}

}  // namespace dvs::dvsadm
