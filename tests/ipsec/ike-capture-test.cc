// IKE messages on the wire, checked by an independent decoder: tshark 4.0 reads a pcap of
// each exchange and must see UDP 500 (or 4500), the right exchange types in order, and no
// malformed packet. Also records the message sizes documented in docs/ike-model.md.
//
//   gwA 192.0.2.1 ---- point-to-point, 1 Gbit/s, 10 ms, pcap ---- gwB 192.0.2.2
//
#include "ike-endpoint.h"
#include "ike-message.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "run-command.h"
#include "traffic-selector.h"

#include <array>
#include <cstdio>
#include <filesystem>
#include <gtest/gtest.h>
#include <memory>
#include <sstream>

namespace tunnelsim
{
namespace
{

/// Run one negotiation with a pcap on gwA's device; returns the pcap path.
std::string
CaptureNegotiation(const std::string& name, IkeVersion version, bool natTraversal,
                   std::vector<IkeMessageRecord>& sent)
{
    ns3::NodeContainer nodes;
    nodes.Create(2);
    ns3::PointToPointHelper link;
    link.SetDeviceAttribute("DataRate", ns3::StringValue("1Gbps"));
    link.SetChannelAttribute("Delay", ns3::StringValue("10ms"));
    ns3::NetDeviceContainer devices = link.Install(nodes);
    ns3::InternetStackHelper internet;
    internet.Install(nodes);
    ns3::Ipv4AddressHelper addresses("192.0.2.0", "255.255.255.252");
    addresses.Assign(devices);

    const ns3::Ipv4Address a("192.0.2.1");
    const ns3::Ipv4Address b("192.0.2.2");
    IkeConnection connection;
    connection.name = name;
    connection.version = version;
    connection.preSharedKey = "capture test key";
    connection.selectors
        = {{*ParseTrafficSelector("10.1.1.0/24"), *ParseTrafficSelector("10.2.1.0/24")},
           {*ParseTrafficSelector("10.1.2.0/24"), *ParseTrafficSelector("10.2.1.0/24")}};
    connection.natTraversal = natTraversal;
    connection.dpdDelay = ns3::Seconds(2);
    for (uint32_t i = 0; i < 2; ++i)
    {
        IkeConnection side = connection;
        side.localAddress = i == 0 ? a : b;
        side.remoteAddress = i == 0 ? b : a;
        side.startAction = i == 0 ? IkeStartAction::Start : IkeStartAction::None;
        if (i == 1)
        {
            for (SelectorPair& pair : side.selectors)
            {
                pair = pair.Mirrored();
            }
            side.dpdDelay = ns3::Seconds(0);
        }
        auto endpoint = ns3::CreateObject<IkeEndpoint>();
        endpoint->AssignStreams(7 + i);
        endpoint->AddConnection(side);
        endpoint->SetStartTime(ns3::Seconds(1));
        endpoint->TraceConnectWithoutContext("MessageSent",
                                             IkeEndpoint::MessageCallback(
                                                 [&sent](const IkeMessageRecord& record)
                                                 {
                                                     sent.push_back(record);
                                                 }));
        nodes.Get(i)->AddApplication(endpoint);
    }
    const std::string path = std::string(TUNNELSIM_BINARY_DIR) + "/ike-capture-" + name + ".pcap";
    link.EnablePcap(path, devices.Get(0), false, true);
    ns3::Simulator::Stop(ns3::Seconds(3.5));
    ns3::Simulator::Run();
    ns3::Simulator::Destroy();
    ns3::Names::Clear();
    return path;
}

struct CaptureCase
{
    std::string name;
    IkeVersion version;
    bool natTraversal;
    /// isakmp.exchtype of every packet, in order (both directions).
    std::vector<std::string> exchanges;
};

TEST(IkeCapture, TsharkSeesExchanges)
{
    // Two selector pairs, then one liveness check at 2 s after establishment.
    const CaptureCase cases[] = {
        {"ikev2", IkeVersion::V2, false, {"34", "34", "35", "35", "36", "36", "37", "37"}},
        {"ikev2-natt", IkeVersion::V2, true, {"34", "34", "35", "35", "36", "36", "37", "37"}},
        {"ikev1",
         IkeVersion::V1,
         false,
         {"2", "2", "2", "2", "2", "2", "32", "32", "32", "32", "32", "32", "5", "5"}},
    };
    if (!test::RunCommand("command -v tshark"))
    {
        FAIL() << "tshark is not installed; run tools/setup";
    }
    for (const auto& c : cases)
    {
        std::vector<IkeMessageRecord> sent;
        const std::string pcap = CaptureNegotiation(c.name, c.version, c.natTraversal, sent);

        const std::string fields
            = test::RunCommand("tshark -r " + pcap
                               + " -T fields -e isakmp.exchangetype -e udp.dstport "
                                 "-e _ws.malformed 2>/dev/null")
                  .value_or("");
        std::vector<std::string> exchanges;
        for (const std::string& line : test::Lines(fields))
        {
            std::istringstream columns(line);
            std::string exchange;
            std::string port;
            std::string malformed;
            std::getline(columns, exchange, '\t');
            std::getline(columns, port, '\t');
            std::getline(columns, malformed, '\t');
            exchanges.push_back(exchange);
            EXPECT_TRUE(malformed.empty()) << c.name << ": " << line;
            const bool init
                = exchange == "34" || (c.version == IkeVersion::V1 && exchanges.size() <= 4);
            EXPECT_EQ(port, c.natTraversal && !init ? "4500" : "500") << c.name << ": " << line;
        }
        EXPECT_EQ(exchanges, c.exchanges) << c.name << "\n" << fields;
        EXPECT_EQ(sent.size(), c.exchanges.size()) << c.name;
        if (!HasFailure() && !std::getenv("IKE_KEEP_PCAP"))
        {
            std::filesystem::remove(pcap);
        }
    }
}

TEST(IkeCapture, SizesFollowPayloadLayouts)
{
    std::vector<IkeMessageRecord> sent;
    std::filesystem::remove(CaptureNegotiation("ikev2-sizes", IkeVersion::V2, false, sent));
    ASSERT_GE(sent.size(), 3u);

    // Defaults: aes128-sha256-modp2048 for IKE, aes-gcm-128 for ESP, 32-byte nonces.
    constexpr uint32_t kGeneric = 4;                           // RFC 7296 s3.2
    constexpr uint32_t kIkeProposal = 8 + (8 + 4) + 8 + 8 + 8; // s3.3.1, s3.3.2
    constexpr uint32_t kSa = kGeneric + kIkeProposal;
    constexpr uint32_t kKe = kGeneric + 4 + 256;  // s3.4, RFC 3526
    constexpr uint32_t kNonce = kGeneric + 32;    // s3.9
    constexpr uint32_t kNatD = kGeneric + 4 + 20; // s3.10, SHA-1
    EXPECT_EQ(sent[0].size, kIkeHeaderSize + kSa + kKe + kNonce + 2 * kNatD);

    constexpr uint32_t kId = kGeneric + 4 + 4;                  // s3.5, ID_IPV4_ADDR
    constexpr uint32_t kAuth = kGeneric + 4 + 32;               // s3.8, HMAC-SHA-256
    constexpr uint32_t kEspSa = kGeneric + 8 + 4 + (8 + 4) + 8; // GCM + ESN, SPI 4
    constexpr uint32_t kTs = kGeneric + 4 + 16;                 // s3.13
    constexpr uint32_t kInitialContact = kGeneric + 4;          // s3.10
    const uint32_t inner = kId + kAuth + kEspSa + 2 * kTs + kInitialContact;
    const uint32_t padded = (inner + 1 + 15) / 16 * 16;                    // AES-CBC block
    EXPECT_EQ(sent[2].size, kIkeHeaderSize + kGeneric + 16 + padded + 16); // s3.14: IV, ICV
}

} // namespace
} // namespace tunnelsim
