// SecurityPolicyDatabase (RFC 4301 s4.4.1): selector matching, first-match order, and the
// index against the linear scan it replaces.
#include "ipsec/security-policy-database.h"
#include "ipv4-header.h"

#include <gtest/gtest.h>
#include <random>
#include <stdexcept>

namespace tunnelsim
{
namespace
{

uint32_t
Address(std::string_view text)
{
    return Ipv4FromString(text).value();
}

TrafficSelector
Prefix(std::string_view network, uint8_t length, uint8_t protocol = kAnyIpProtocol)
{
    return TrafficSelector::FromPrefix(Address(network), length, protocol);
}

TrafficSelector
WithPorts(TrafficSelector selector, uint16_t first, uint16_t last)
{
    selector.startPort = first;
    selector.endPort = last;
    return selector;
}

SecurityPolicy
Policy(TrafficSelector local, TrafficSelector remote, PolicyAction action,
       PolicyDirection direction = PolicyDirection::Both)
{
    SecurityPolicy policy;
    policy.selectors = SelectorPair{local, remote};
    policy.action = action;
    policy.direction = direction;
    return policy;
}

PacketSelectorFields
Packet(std::string_view source, std::string_view destination, uint8_t protocol,
       uint16_t sourcePort = 0, uint16_t destinationPort = 0,
       PortAvailability ports = PortAvailability::Known)
{
    PacketSelectorFields fields;
    fields.source = Address(source);
    fields.destination = Address(destination);
    fields.protocol = protocol;
    fields.sourcePort = sourcePort;
    fields.destinationPort = destinationPort;
    fields.ports = ProtocolHasPorts(protocol) ? ports : PortAvailability::Absent;
    return fields;
}

struct MatchCase
{
    const char* name;
    SecurityPolicy policy;
    TrafficDirection direction;
    PacketSelectorFields packet;
    bool matches;
};

TEST(PolicyMatches, Table)
{
    const SecurityPolicy subnets
        = Policy(Prefix("10.1.0.0", 16), Prefix("10.2.0.0", 16), PolicyAction::Protect);
    const SecurityPolicy gre
        = Policy(Prefix("192.0.2.1", 32, kIpProtocolGre),
                 Prefix("198.51.100.1", 32, kIpProtocolGre), PolicyAction::Protect);
    const SecurityPolicy dns
        = Policy(Prefix("10.1.0.0", 16), WithPorts(Prefix("10.2.0.0", 16, kIpProtocolUdp), 53, 53),
                 PolicyAction::Bypass);
    const SecurityPolicy outboundOnly = Policy(Prefix("10.1.0.0", 16), Prefix("10.2.0.0", 16),
                                               PolicyAction::Discard, PolicyDirection::Outbound);

    const MatchCase cases[] = {
        {"outbound inside both prefixes", subnets, TrafficDirection::Outbound,
         Packet("10.1.3.4", "10.2.5.6", kIpProtocolUdp, 1000, 2000), true},
        {"outbound reversed addresses", subnets, TrafficDirection::Outbound,
         Packet("10.2.5.6", "10.1.3.4", kIpProtocolUdp, 1000, 2000), false},
        {"inbound swaps local and remote", subnets, TrafficDirection::Inbound,
         Packet("10.2.5.6", "10.1.3.4", kIpProtocolIcmp), true},
        {"inbound with outbound addresses", subnets, TrafficDirection::Inbound,
         Packet("10.1.3.4", "10.2.5.6", kIpProtocolIcmp), false},
        {"first address of the range", subnets, TrafficDirection::Outbound,
         Packet("10.1.0.0", "10.2.0.0", kIpProtocolTcp, 1, 2), true},
        {"last address of the range", subnets, TrafficDirection::Outbound,
         Packet("10.1.255.255", "10.2.255.255", kIpProtocolTcp, 1, 2), true},
        {"one past the last address", subnets, TrafficDirection::Outbound,
         Packet("10.1.0.1", "10.3.0.0", kIpProtocolTcp, 1, 2), false},
        {"protocol selector matches GRE", gre, TrafficDirection::Outbound,
         Packet("192.0.2.1", "198.51.100.1", kIpProtocolGre), true},
        {"protocol selector rejects UDP", gre, TrafficDirection::Outbound,
         Packet("192.0.2.1", "198.51.100.1", kIpProtocolUdp, 1, 2), false},
        {"port selector matches its port", dns, TrafficDirection::Outbound,
         Packet("10.1.1.1", "10.2.1.1", kIpProtocolUdp, 40000, 53), true},
        {"port selector rejects another port", dns, TrafficDirection::Outbound,
         Packet("10.1.1.1", "10.2.1.1", kIpProtocolUdp, 40000, 54), false},
        {"port selector on the remote side, inbound", dns, TrafficDirection::Inbound,
         Packet("10.2.1.1", "10.1.1.1", kIpProtocolUdp, 53, 40000), true},
        {"pending ports count as a match", dns, TrafficDirection::Outbound,
         Packet("10.1.1.1", "10.2.1.1", kIpProtocolUdp, 0, 0, PortAvailability::Pending), true},
        {"absent ports never match a port selector", dns, TrafficDirection::Outbound,
         Packet("10.1.1.1", "10.2.1.1", kIpProtocolUdp, 0, 0, PortAvailability::Absent), false},
        {"outbound-only entry, outbound packet", outboundOnly, TrafficDirection::Outbound,
         Packet("10.1.1.1", "10.2.1.1", kIpProtocolIcmp), true},
        {"outbound-only entry, inbound packet", outboundOnly, TrafficDirection::Inbound,
         Packet("10.2.1.1", "10.1.1.1", kIpProtocolIcmp), false},
    };
    for (const MatchCase& c : cases)
    {
        EXPECT_EQ(PolicyMatches(c.policy, c.direction, c.packet), c.matches) << c.name;
    }
}

TEST(SecurityPolicyDatabase, FirstMatchWins)
{
    auto spd = ns3::CreateObject<SecurityPolicyDatabase>();
    const uint32_t narrow
        = spd->Add(Policy(Prefix("10.1.1.0", 24), Prefix("10.2.1.0", 24), PolicyAction::Discard));
    const uint32_t wide
        = spd->Add(Policy(Prefix("10.1.0.0", 16), Prefix("10.2.0.0", 16), PolicyAction::Protect));

    const SecurityPolicy* inNarrow
        = spd->Lookup(TrafficDirection::Outbound, Packet("10.1.1.5", "10.2.1.5", kIpProtocolIcmp));
    ASSERT_NE(inNarrow, nullptr);
    EXPECT_EQ(inNarrow->id, narrow);
    const SecurityPolicy* inWide
        = spd->Lookup(TrafficDirection::Outbound, Packet("10.1.2.5", "10.2.1.5", kIpProtocolIcmp));
    ASSERT_NE(inWide, nullptr);
    EXPECT_EQ(inWide->id, wide);
}

TEST(SecurityPolicyDatabase, InsertBeforeTakesPrecedence)
{
    auto spd = ns3::CreateObject<SecurityPolicyDatabase>();
    spd->Add(Policy(Prefix("0.0.0.0", 0), Prefix("0.0.0.0", 0), PolicyAction::Discard));
    const PacketSelectorFields packet = Packet("10.1.1.5", "10.2.1.5", kIpProtocolIcmp);
    ASSERT_EQ(spd->Lookup(TrafficDirection::Outbound, packet)->action, PolicyAction::Discard);

    const uint32_t id = spd->Insert(
        0, Policy(Prefix("10.1.0.0", 16), Prefix("10.2.0.0", 16), PolicyAction::Bypass));
    EXPECT_EQ(spd->Lookup(TrafficDirection::Outbound, packet)->id, id);
}

TEST(SecurityPolicyDatabase, RemoveFallsThroughToNextEntry)
{
    auto spd = ns3::CreateObject<SecurityPolicyDatabase>();
    const uint32_t first
        = spd->Add(Policy(Prefix("10.1.0.0", 16), Prefix("10.2.0.0", 16), PolicyAction::Protect));
    const uint32_t second
        = spd->Add(Policy(Prefix("0.0.0.0", 0), Prefix("0.0.0.0", 0), PolicyAction::Bypass));
    const PacketSelectorFields packet = Packet("10.1.1.5", "10.2.1.5", kIpProtocolIcmp);
    ASSERT_EQ(spd->Lookup(TrafficDirection::Outbound, packet)->id, first);

    EXPECT_TRUE(spd->Remove(first));
    EXPECT_EQ(spd->Lookup(TrafficDirection::Outbound, packet)->id, second);
    EXPECT_FALSE(spd->Remove(first));
}

TEST(SecurityPolicyDatabase, NoMatchReturnsNull)
{
    auto spd = ns3::CreateObject<SecurityPolicyDatabase>();
    spd->Add(Policy(Prefix("10.1.0.0", 16), Prefix("10.2.0.0", 16), PolicyAction::Protect));
    EXPECT_EQ(
        spd->Lookup(TrafficDirection::Outbound, Packet("10.3.1.5", "10.2.1.5", kIpProtocolIcmp)),
        nullptr);
}

TEST(SecurityPolicyDatabase, ProtocolEntryDoesNotHideLaterEntries)
{
    // A GRE-only entry must not close its cell: UDP between the same hosts falls through.
    auto spd = ns3::CreateObject<SecurityPolicyDatabase>();
    spd->Add(Policy(Prefix("192.0.2.1", 32, kIpProtocolGre),
                    Prefix("198.51.100.1", 32, kIpProtocolGre), PolicyAction::Protect));
    const uint32_t rest
        = spd->Add(Policy(Prefix("0.0.0.0", 0), Prefix("0.0.0.0", 0), PolicyAction::Discard));
    const SecurityPolicy* udp = spd->Lookup(
        TrafficDirection::Outbound, Packet("192.0.2.1", "198.51.100.1", kIpProtocolUdp, 1, 2));
    ASSERT_NE(udp, nullptr);
    EXPECT_EQ(udp->id, rest);
}

TEST(SecurityPolicyDatabase, RejectsInvertedRange)
{
    auto spd = ns3::CreateObject<SecurityPolicyDatabase>();
    TrafficSelector inverted = Prefix("10.1.0.0", 16);
    std::swap(inverted.startAddress, inverted.endAddress);
    EXPECT_THROW(spd->Add(Policy(inverted, Prefix("10.2.0.0", 16), PolicyAction::Protect)),
                 std::invalid_argument);
}

TEST(SecurityPolicyDatabase, CountsByAction)
{
    auto spd = ns3::CreateObject<SecurityPolicyDatabase>();
    spd->Add(Policy(Prefix("10.1.1.0", 24), Prefix("10.2.1.0", 24), PolicyAction::Protect));
    spd->Add(Policy(Prefix("10.1.2.0", 24), Prefix("10.2.2.0", 24), PolicyAction::Protect));
    spd->Add(Policy(Prefix("0.0.0.0", 0), Prefix("0.0.0.0", 0), PolicyAction::Bypass));
    EXPECT_EQ(spd->Count(PolicyAction::Protect), 2u);
    EXPECT_EQ(spd->Count(PolicyAction::Bypass), 1u);
    EXPECT_EQ(spd->Count(PolicyAction::Discard), 0u);
}

/// A random selector: a prefix of length 0, 8, 16, 24 or 32 inside 10.0.0.0/8 (or any).
TrafficSelector
RandomSelector(std::mt19937& random)
{
    static const uint8_t lengths[] = {0, 8, 16, 20, 24, 28, 32};
    const uint8_t length = lengths[random() % std::size(lengths)];
    const uint32_t address = 0x0a000000 | (random() & 0x00ffffff);
    static const uint8_t protocols[]
        = {kAnyIpProtocol, kAnyIpProtocol, kIpProtocolUdp, kIpProtocolTcp, kIpProtocolGre};
    TrafficSelector selector
        = TrafficSelector::FromPrefix(address, length, protocols[random() % std::size(protocols)]);
    if (ProtocolHasPorts(selector.ipProtocol) && random() % 2 == 0)
    {
        selector.startPort = static_cast<uint16_t>(random() % 1000);
        selector.endPort = static_cast<uint16_t>(selector.startPort + random() % 100);
    }
    return selector;
}

TEST(SecurityPolicyDatabase, IndexAgreesWithLinearScan)
{
    std::mt19937 random(20240501);
    for (int table = 0; table < 20; ++table)
    {
        auto spd = ns3::CreateObject<SecurityPolicyDatabase>();
        const int entries = 1 + random() % 200;
        for (int i = 0; i < entries; ++i)
        {
            const TrafficSelector local = RandomSelector(random);
            TrafficSelector remote = RandomSelector(random);
            remote.ipProtocol = local.ipProtocol;
            if (!ProtocolHasPorts(remote.ipProtocol))
            {
                remote.startPort = kMinPort;
                remote.endPort = kMaxPort;
            }
            const PolicyAction action = static_cast<PolicyAction>(random() % 3);
            const PolicyDirection direction = static_cast<PolicyDirection>(random() % 3);
            spd->Add(Policy(local, remote, action, direction));
        }
        for (int probe = 0; probe < 2000; ++probe)
        {
            // Addresses near the ranges' edges are where an index goes wrong.
            const SecurityPolicy& near = spd->Get(random() % spd->GetN());
            const uint8_t protocols[] = {kIpProtocolUdp, kIpProtocolTcp, kIpProtocolGre};
            PacketSelectorFields packet;
            packet.source = near.selectors.local.startAddress + (random() % 3) - 1;
            packet.destination = near.selectors.remote.endAddress + (random() % 3) - 1;
            packet.protocol = protocols[random() % std::size(protocols)];
            packet.sourcePort = static_cast<uint16_t>(random() % 1100);
            packet.destinationPort = static_cast<uint16_t>(random() % 1100);
            packet.ports = ProtocolHasPorts(packet.protocol)
                               ? static_cast<PortAvailability>(random() % 3)
                               : PortAvailability::Absent;
            for (TrafficDirection direction :
                 {TrafficDirection::Outbound, TrafficDirection::Inbound})
            {
                const SecurityPolicy* indexed = spd->Lookup(direction, packet);
                const SecurityPolicy* linear = spd->LookupLinear(direction, packet);
                ASSERT_EQ(indexed, linear) << "table " << table << " probe " << probe;
            }
        }
    }
}

} // namespace
} // namespace tunnelsim
