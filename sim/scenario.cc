#include "scenario.h"

#include <algorithm>
#include <utility>

namespace tunnelsim
{

std::string_view
ToString(DesignType type)
{
    switch (type)
    {
        case DesignType::PolicyBased:
            return "policy-based";
        case DesignType::GreOverIpsec:
            return "gre-over-ipsec";
        case DesignType::Vti:
            return "vti";
    }
    return "unknown";
}

std::string_view
ToString(SelectorMatching matching)
{
    switch (matching)
    {
        case SelectorMatching::Ikev1Strict:
            return "ikev1-strict";
        case SelectorMatching::Ikev2Narrowing:
            return "ikev2-narrowing";
    }
    return "unknown";
}

std::string_view
ToString(RoutingProtocol protocol)
{
    switch (protocol)
    {
        case RoutingProtocol::Static:
            return "static";
        case RoutingProtocol::Ospf:
            return "ospf";
    }
    return "unknown";
}

namespace
{

struct EventTypeNamer
{
    std::string_view operator()(const LinkDownEvent&) const { return "link-down"; }

    std::string_view operator()(const LinkUpEvent&) const { return "link-up"; }

    std::string_view operator()(const SubnetAddEvent&) const { return "subnet-add"; }

    std::string_view operator()(const SubnetRemoveEvent&) const { return "subnet-remove"; }

    std::string_view operator()(const GatewayRestartEvent&) const { return "gateway-restart"; }
};

} // namespace

std::string_view
EventTypeName(const EventAction& action)
{
    return std::visit(EventTypeNamer{}, action);
}

std::vector<Ipv4Prefix>
ProtectedPrefixes(const Site& site)
{
    std::vector<Ipv4Prefix> prefixes;
    for (const LanSubnet& subnet : site.subnets)
    {
        prefixes.push_back(subnet.prefix);
    }
    if (site.hostLan)
    {
        for (uint32_t host : site.hostLan->hosts)
        {
            prefixes.push_back(Ipv4Prefix{host, kIpv4MaxPrefixLength});
        }
    }
    return prefixes;
}

std::vector<uint32_t>
HostAddresses(const Site& site)
{
    std::vector<uint32_t> hosts;
    for (const LanSubnet& subnet : site.subnets)
    {
        for (uint32_t i = 0; i < subnet.hosts; ++i)
        {
            hosts.push_back(LanHostAddress(subnet.prefix, i));
        }
    }
    if (site.hostLan)
    {
        hosts.insert(hosts.end(), site.hostLan->hosts.begin(), site.hostLan->hosts.end());
    }
    return hosts;
}

std::array<uint32_t, 2>
LinkEndpointAddresses(const Scenario& scenario, const WanLink& link)
{
    std::array<std::optional<uint32_t>, 2> fixed;
    for (size_t end = 0; end < link.endpoints.size(); ++end)
    {
        for (const Site& site : scenario.sites)
        {
            if (site.gateway.name != link.endpoints[end])
            {
                continue;
            }
            for (const WanInterface& wan : site.gateway.wanInterfaces)
            {
                if (wan.link == link.name)
                {
                    fixed[end] = wan.address;
                }
            }
        }
    }

    std::array<uint32_t, 2> addresses{};
    uint32_t candidate = LanGatewayAddress(link.prefix);
    for (size_t end = 0; end < link.endpoints.size(); ++end)
    {
        if (fixed[end])
        {
            addresses[end] = *fixed[end];
            continue;
        }
        while (candidate == fixed[0] || candidate == fixed[1])
        {
            ++candidate;
        }
        addresses[end] = candidate++;
    }
    return addresses;
}

std::vector<Scenario>
ExpandSweep(const Scenario& scenario)
{
    if (!scenario.sweep)
    {
        return {scenario};
    }
    std::vector<Scenario> runs;
    for (uint32_t count = scenario.sweep->min; count <= scenario.sweep->max; ++count)
    {
        Scenario run = scenario;
        run.name = scenario.name + ".subnets-" + std::to_string(count);
        run.sweep.reset();
        run.subnetsPerSite = count;
        for (Site& site : run.sites)
        {
            if (site.subnets.size() > count)
            {
                site.subnets.resize(count);
            }
        }
        runs.push_back(std::move(run));
    }
    return runs;
}

const std::vector<std::string_view>&
CryptoSuiteNames()
{
    // The suites a scenario may choose: every AEAD suite, and CBC or NULL only paired with
    // HMAC integrity. The format offers no ESP without integrity protection.
    static const std::vector<std::string_view> names = {
        "aes-gcm-128",
        "aes-gcm-256",
        "chacha20-poly1305",
        "aes-cbc-128-hmac-sha1-96",
        "aes-cbc-256-hmac-sha1-96",
        "aes-cbc-128-hmac-sha256-128",
        "aes-cbc-256-hmac-sha256-128",
        "null-hmac-sha1-96",
        "null-hmac-sha256-128",
    };
    return names;
}

std::optional<EspSuite>
CryptoSuiteByName(std::string_view name)
{
    const std::vector<std::string_view>& names = CryptoSuiteNames();
    if (std::find(names.begin(), names.end(), name) == names.end())
    {
        return std::nullopt;
    }
    return ParseEspSuite(name);
}

} // namespace tunnelsim
