#include "walk.h"

#include "decode.h"
#include "gre-tunnel-net-device.h"
#include "ipsec-helper.h"
#include "ipv4-header.h"
#include "ns3/csma-net-device.h"
#include "ns3/ipv4-l3-protocol.h"
#include "ns3/ipv4-routing-table-entry.h"
#include "ns3/ipv4-static-routing-helper.h"
#include "ns3/ipv4-static-routing.h"
#include "ns3/point-to-point-net-device.h"
#include "ns3/simulator.h"
#include "ns3/tag.h"
#include "ospf-helper.h"
#include "pcap-capture.h"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <optional>

namespace tunnelsim
{

namespace
{

/** Marks the probes a walk follows, with their sequence number. */
class WalkTag : public ns3::Tag
{
  public:
    static ns3::TypeId GetTypeId()
    {
        static ns3::TypeId tid = ns3::TypeId("tunnelsim::WalkTag")
                                     .SetParent<ns3::Tag>()
                                     .SetGroupName("Tunnelsim")
                                     .AddConstructor<WalkTag>();
        return tid;
    }

    WalkTag() = default;

    explicit WalkTag(uint32_t sequence)
      : m_sequence(sequence)
    {
    }

    ns3::TypeId GetInstanceTypeId() const override { return GetTypeId(); }

    uint32_t GetSerializedSize() const override { return 4; }

    void Serialize(ns3::TagBuffer buffer) const override { buffer.WriteU32(m_sequence); }

    void Deserialize(ns3::TagBuffer buffer) override { m_sequence = buffer.ReadU32(); }

    void Print(std::ostream& os) const override { os << "walk probe " << m_sequence; }

    uint32_t GetSequence() const { return m_sequence; }

  private:
    uint32_t m_sequence = 0;
};

/** One transmission or reception of a followed probe. */
struct Hop
{
    uint32_t sequence = 0;
    double timeS = 0;
    std::string node;
    std::string device; ///< "if 3 (gre)"
    bool transmit = false;
    std::string decision; ///< what sent it to this device; transmissions only
    /// Point-to-point and CSMA devices trace the frame with its PPP or Ethernet header,
    /// tunnel devices the bare datagram.
    uint32_t linkType = kLinkTypeRaw;
    Bytes bytes;
};

/// The IPv4 datagram in @p bytes, traced on a device of @p linkType; empty if there is none.
ByteView
DatagramOf(uint32_t linkType, const Bytes& bytes)
{
    const LinkPayload payload = ExtractIpv4(linkType, ByteView(bytes));
    return payload.reason.empty() ? payload.ipv4 : ByteView();
}

uint32_t
LinkTypeOf(ns3::Ptr<ns3::NetDevice> device)
{
    if (ns3::DynamicCast<ns3::PointToPointNetDevice>(device))
    {
        return kLinkTypePpp;
    }
    return ns3::DynamicCast<ns3::CsmaNetDevice>(device) ? kLinkTypeEthernet : kLinkTypeRaw;
}

std::string
PrefixText(uint32_t network, uint32_t mask)
{
    return Ipv4ToString(network) + "/" + std::to_string(ns3::Ipv4Mask(mask).GetPrefixLength());
}

/// Layers of an IPv4 datagram as short texts, outermost first, from the decoder's JSON.
std::vector<std::string>
LayersOf(PacketDecoder& decoder, const Hop& hop)
{
    const ByteView datagram = DatagramOf(hop.linkType, hop.bytes);
    nlohmann::json packet;
    decoder.Decode(datagram, packet);

    std::vector<std::string> layers;
    auto ipv4 = [](const nlohmann::json& layer)
    {
        return fmt::format("IPv4 {} > {}", layer.at("source").get<std::string>(),
                           layer.at("destination").get<std::string>());
    };
    if (packet.contains("ipv4"))
    {
        layers.push_back(ipv4(packet["ipv4"]));
    }
    if (packet.contains("esp"))
    {
        const nlohmann::json& esp = packet["esp"];
        layers.push_back(
            fmt::format("ESP spi 0x{:08x} seq {} (icv {})", esp.at("spi").get<uint32_t>(),
                        esp.at("sequence").get<uint64_t>(), esp.at("icv").get<std::string>()));
    }
    if (packet.contains("inner"))
    {
        for (const nlohmann::json& layer : packet["inner"])
        {
            const std::string kind = layer.value("layer", "");
            if (kind == "ipv4")
            {
                layers.push_back(ipv4(layer));
            }
            else if (kind == "payload")
            {
                std::string protocol = layer.value("protocol_name", "data");
                std::transform(protocol.begin(), protocol.end(), protocol.begin(),
                               [](unsigned char c)
                               {
                                   return std::toupper(c);
                               });
                layers.push_back(fmt::format("{} ({} bytes)", protocol, layer.value("length", 0)));
            }
            else
            {
                layers.push_back(kind == "gre" ? "GRE" : kind);
            }
        }
    }
    if (packet.contains("error"))
    {
        layers.push_back(fmt::format("[not decoded: {} {}]",
                                     packet["error"].value("layer", std::string()),
                                     packet["error"].value("reason", std::string())));
    }
    return layers;
}

std::string
Join(const std::vector<std::string>& parts, size_t from, size_t to)
{
    std::string text;
    for (size_t i = from; i < to; ++i)
    {
        text += (text.empty() ? "" : " | ") + parts[i];
    }
    return text;
}

} // namespace

struct WalkTracer::Impl
{
    std::vector<WalkNode> nodes;
    std::vector<Hop> hops;

    void Record(size_t node, ns3::Ptr<ns3::NetDevice> device, bool transmit,
                ns3::Ptr<const ns3::Packet> packet);
    std::string DeviceText(ns3::Ptr<ns3::NetDevice> device) const;
    std::string Decision(ns3::Ptr<ns3::NetDevice> device, const Hop& hop) const;
    std::string RouteDecision(ns3::Ptr<ns3::Node> node, uint32_t interface,
                              uint32_t destination) const;
};

WalkTracer::WalkTracer(std::vector<WalkNode> nodes)
  : m_impl(std::make_unique<Impl>())
{
    m_impl->nodes = std::move(nodes);
    for (size_t n = 0; n < m_impl->nodes.size(); ++n)
    {
        ns3::Ptr<ns3::Node> node = m_impl->nodes[n].node;
        for (uint32_t d = 0; d < node->GetNDevices(); ++d)
        {
            ns3::Ptr<ns3::NetDevice> device = node->GetDevice(d);
            Impl* impl = m_impl.get();
            ns3::Ptr<IpsecStack> stack = IpsecHelper::GetStack(node);
            // What IPsec opens arrives through the stack's Opened trace below, because the
            // stack hands opened GRE packets to GRE without receiving them on a device.
            const bool opensIntoDevice = stack
                                         && (device == ns3::Ptr<ns3::NetDevice>(stack->GetDevice())
                                             || stack->IsVti(device));
            for (bool transmit : {true, false})
            {
                if (!transmit && opensIntoDevice)
                {
                    continue;
                }
                device->TraceConnectWithoutContext(
                    transmit ? "MacTx" : "MacRx",
                    ns3::Callback<void, ns3::Ptr<const ns3::Packet>>(
                        [impl, n, device, transmit](ns3::Ptr<const ns3::Packet> packet)
                        {
                            impl->Record(n, device, transmit, packet);
                        }));
            }
        }
        if (ns3::Ptr<IpsecStack> stack = IpsecHelper::GetStack(node))
        {
            Impl* impl = m_impl.get();
            stack->TraceConnectWithoutContext(
                "Opened",
                ns3::Callback<void, ns3::Ptr<const ns3::Packet>, ns3::Ptr<ns3::NetDevice>>(
                    [impl, n](ns3::Ptr<const ns3::Packet> packet, ns3::Ptr<ns3::NetDevice> device)
                    {
                        impl->Record(n, device, false, packet);
                    }));
        }
    }
}

WalkTracer::~WalkTracer() = default;

void
WalkTracer::Follow(ProbeRecorder& recorder, size_t flow)
{
    recorder.SetSendHook(
        [flow](size_t sent, uint32_t sequence, ns3::Ptr<ns3::Packet> packet)
        {
            if (sent == flow)
            {
                packet->AddPacketTag(WalkTag(sequence));
            }
        });
}

void
WalkTracer::Impl::Record(size_t node, ns3::Ptr<ns3::NetDevice> device, bool transmit,
                         ns3::Ptr<const ns3::Packet> packet)
{
    WalkTag tag;
    if (!packet->PeekPacketTag(tag))
    {
        return;
    }
    Hop hop;
    hop.sequence = tag.GetSequence();
    hop.timeS = ns3::Simulator::Now().GetSeconds();
    hop.node = nodes[node].name;
    hop.device = DeviceText(device);
    hop.transmit = transmit;
    hop.linkType = LinkTypeOf(device);
    hop.bytes.resize(packet->GetSize());
    packet->CopyData(hop.bytes.data(), static_cast<uint32_t>(hop.bytes.size()));
    if (transmit)
    {
        hop.decision = Decision(device, hop);
    }
    hops.push_back(std::move(hop));
}

std::string
WalkTracer::Impl::DeviceText(ns3::Ptr<ns3::NetDevice> device) const
{
    std::string kind = "device";
    ns3::Ptr<IpsecStack> stack = IpsecHelper::GetStack(device->GetNode());
    if (ns3::DynamicCast<GreTunnelNetDevice>(device))
    {
        kind = "gre";
    }
    else if (stack && device == ns3::Ptr<ns3::NetDevice>(stack->GetDevice()))
    {
        kind = "ipsec";
    }
    else if (stack && stack->IsVti(device))
    {
        kind = "vti";
    }
    else if (ns3::DynamicCast<ns3::PointToPointNetDevice>(device))
    {
        kind = "p2p";
    }
    else if (ns3::DynamicCast<ns3::CsmaNetDevice>(device))
    {
        kind = "csma";
    }
    ns3::Ptr<ns3::Ipv4> ipv4 = device->GetNode()->GetObject<ns3::Ipv4>();
    const int32_t interface = ipv4->GetInterfaceForDevice(device);
    std::string text = fmt::format("if {} ({})", interface, kind);
    if (interface >= 0 && ipv4->GetNAddresses(interface) > 0)
    {
        text += " " + Ipv4ToString(ipv4->GetAddress(interface, 0).GetLocal().Get());
    }
    return text;
}

std::string
WalkTracer::Impl::Decision(ns3::Ptr<ns3::NetDevice> device, const Hop& hop) const
{
    const ByteView datagram = DatagramOf(hop.linkType, hop.bytes);
    auto header = DecodeIpv4Header(datagram);
    if (!header)
    {
        return "undecodable packet";
    }
    const Ipv4Header& ip = header.Value();
    ns3::Ptr<ns3::Node> node = device->GetNode();
    ns3::Ptr<IpsecStack> stack = IpsecHelper::GetStack(node);

    if (stack && device == ns3::Ptr<ns3::NetDevice>(stack->GetDevice()))
    {
        // RFC 4301 s5.1 step 2: the first SPD entry that matches the packet decides.
        const ByteView transport = datagram.Sub(
            ip.HeaderSize(), std::min<size_t>(datagram.size, ip.totalLength) - ip.HeaderSize());
        const PacketSelectorFields fields = SelectorFieldsFromPacket(
            ip.source, ip.destination, ip.protocol, ip.fragmentOffset == 0, transport);
        const SecurityPolicy* policy = stack->GetSpd()->Lookup(TrafficDirection::Outbound, fields);
        if (!policy)
        {
            return "no SPD entry matches";
        }
        std::string text = fmt::format("SPD entry {} ({}) {}", policy->id,
                                       policy->selectors.ToString(), ToString(policy->action));
        if (auto sa = stack->GetSad()->FindOutboundForPolicy(policy->id))
        {
            text += fmt::format(", SA spi 0x{:08x}", sa->GetSpi());
        }
        return text;
    }

    ns3::Ptr<ns3::Ipv4> ipv4 = node->GetObject<ns3::Ipv4>();
    const uint32_t interface = static_cast<uint32_t>(ipv4->GetInterfaceForDevice(device));
    std::string text = RouteDecision(node, interface, ip.destination);
    if (stack && stack->IsVti(device))
    {
        if (auto sa = stack->GetSad()->FindOutboundForDevice(device))
        {
            text += fmt::format(", VTI SA spi 0x{:08x}", sa->GetSpi());
        }
    }
    return text;
}

std::string
WalkTracer::Impl::RouteDecision(ns3::Ptr<ns3::Node> node, uint32_t interface,
                                uint32_t destination) const
{
    // Longest prefix on the output interface, OSPF first, because the gateway's list
    // routing queries OSPF before static routing.
    if (ns3::Ptr<OspfRoutingProtocol> ospf = OspfHelper::GetOspf(node))
    {
        std::optional<OspfRouteInfo> best;
        for (const OspfRouteInfo& route : ospf->GetRoutes())
        {
            if (route.interface == interface && route.mask.IsMatch(route.network, ns3::Ipv4Address(destination))
                && (!best || route.mask.GetPrefixLength() > best->mask.GetPrefixLength()))
            {
                best = route;
            }
        }
        if (best)
        {
            return fmt::format("OSPF route {} cost {}",
                               PrefixText(best->network.Get(), best->mask.Get()), best->cost);
        }
    }

    ns3::Ptr<ns3::Ipv4StaticRouting> routing
        = ns3::Ipv4StaticRoutingHelper().GetStaticRouting(node->GetObject<ns3::Ipv4>());
    std::optional<ns3::Ipv4RoutingTableEntry> best;
    uint32_t bestMetric = 0;
    for (uint32_t i = 0; routing && i < routing->GetNRoutes(); ++i)
    {
        const ns3::Ipv4RoutingTableEntry route = routing->GetRoute(i);
        const uint32_t metric = routing->GetMetric(i);
        if (route.GetInterface()
                != interface || !route.GetDestNetworkMask().IsMatch(route.GetDestNetwork(), ns3::Ipv4Address(destination)))
        {
            continue;
        }
        const uint16_t length = route.GetDestNetworkMask().GetPrefixLength();
        if (!best || length > best->GetDestNetworkMask().GetPrefixLength()
            || (length == best->GetDestNetworkMask().GetPrefixLength() && metric < bestMetric))
        {
            best = route;
            bestMetric = metric;
        }
    }
    if (!best)
    {
        return "no route on this interface";
    }
    const std::string prefix
        = PrefixText(best->GetDestNetwork().Get(), best->GetDestNetworkMask().Get());
    if (best->IsGateway())
    {
        return fmt::format("static route {} via {} (metric {})", prefix,
                           Ipv4ToString(best->GetGateway().Get()), bestMetric);
    }
    // A route without a gateway to the interface's own subnet is the connected route.
    ns3::Ptr<ns3::Ipv4> ipv4 = node->GetObject<ns3::Ipv4>();
    for (uint32_t a = 0; a < ipv4->GetNAddresses(interface); ++a)
    {
        const ns3::Ipv4InterfaceAddress address = ipv4->GetAddress(interface, a);
        if (address.GetMask() == best->GetDestNetworkMask()
            && address.GetLocal().CombineMask(address.GetMask()) == best->GetDestNetwork())
        {
            return fmt::format("connected route {}", prefix);
        }
    }
    return fmt::format("static route {} (metric {})", prefix, bestMetric);
}

std::string
WalkTracer::Render(const std::string& designName, const std::vector<EspSaFileEntry>& sas,
                   const ProbeRecorder& recorder) const
{
    const std::vector<Hop>& hops = m_impl->hops;
    std::string text = fmt::format("walk of one probe through design {}\n", designName);
    if (hops.empty() || recorder.Flows().empty())
    {
        return text + "  no probe of the followed flow was sent\n\n";
    }

    // The first delivered probe; without one, the first probe sent.
    const ProbeFlow& flow = recorder.Flows().front();
    std::optional<uint32_t> chosen;
    for (uint32_t sequence = 0; sequence < flow.deliveredS.size() && !chosen; ++sequence)
    {
        if (flow.deliveredS[sequence])
        {
            chosen = sequence;
        }
    }
    const uint32_t sequence = chosen.value_or(hops.front().sequence);
    text += fmt::format("  probe {} of {} -> {}, sent at {:.6f} s, {}\n", sequence,
                        Ipv4ToString(flow.source), Ipv4ToString(flow.destination),
                        flow.sentS.at(sequence),
                        chosen ? fmt::format("delivered at {:.6f} s", *flow.deliveredS[sequence])
                               : std::string("never delivered"));

    PacketDecoder decoder(sas);
    std::vector<std::string> previous;
    const Hop* previousHop = nullptr;
    size_t step = 0;
    for (const Hop& hop : hops)
    {
        if (hop.sequence != sequence)
        {
            continue;
        }
        const std::vector<std::string> layers = LayersOf(decoder, hop);
        text += fmt::format("  {:>2}. {:.6f} s  {} {} {}\n", ++step, hop.timeS, hop.node,
                            hop.transmit ? "sends on" : "receives on", hop.device);
        if (hop.transmit)
        {
            text += fmt::format("      decided by: {}\n", hop.decision);
        }
        // Headers added or removed since the previous hop: compare the common innermost
        // layers first, then the common outermost ones.
        size_t suffix = 0;
        while (suffix < layers.size() && suffix < previous.size()
               && layers[layers.size() - 1 - suffix] == previous[previous.size() - 1 - suffix])
        {
            ++suffix;
        }
        size_t prefix = 0;
        while (prefix + suffix < layers.size() && prefix + suffix < previous.size()
               && layers[prefix] == previous[prefix])
        {
            ++prefix;
        }
        if (!previous.empty() && prefix + suffix < previous.size())
        {
            text += "      removed: " + Join(previous, prefix, previous.size() - suffix) + "\n";
        }
        if (!previous.empty() && prefix + suffix < layers.size())
        {
            // Between two transmissions on one node, the first device encapsulated the
            // packet (a GRE interface adds GRE, the IPsec device ESP) and handed it on.
            const bool byPreviousDevice = hop.transmit && previousHop && previousHop->transmit
                                          && previousHop->node == hop.node;
            text += "      added" + (byPreviousDevice ? " by " + previousHop->device : "") + ": "
                    + Join(layers, prefix, layers.size() - suffix) + "\n";
        }
        // The IPv4 total length shows what each header added on the way. The captured
        // bytes may carry more: Ethernet padding and the frame check sequence.
        const ByteView datagram = DatagramOf(hop.linkType, hop.bytes);
        const auto outer = DecodeIpv4Header(datagram);
        const size_t datagramBytes = outer ? outer.Value().totalLength : datagram.size;
        text += fmt::format("      packet ({} bytes): {}\n", datagramBytes,
                            Join(layers, 0, layers.size()));
        previous = layers;
        previousHop = &hop;
    }
    return text + "\n";
}

} // namespace tunnelsim
