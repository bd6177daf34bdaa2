// tshark 4.0 as an independent check of our OSPF bytes. It dissects captures of a serial
// link and a LAN without malformed packets or expert warnings, and marks every OSPF
// checksum "[correct]". Every LSA Fletcher checksum verifies, and the IPv4 headers carry
// protocol 89, TTL 1 and precedence Internetwork Control.
//
//   R1 ====================== R2 ------------+------------+------------ R4
//   1.1.1.1   10.0.0.0/30     2.2.2.2         |            |            4.4.4.4
//             PointToPoint    10.1.0.2        |            R3           10.1.0.4
//             5 Mb/s, 2 ms         LAN 10.1.0.0/24         3.3.3.3      priority 0
//                                  (CSMA 100 Mb/s)         10.1.0.3     (DR Other)
//
// Captures: R1's serial device (PPP) and R2's LAN device (Ethernet, promiscuous). R3 is DR
// and R2 BDR, so R4's updates and acknowledgments go to AllDRouters.
#include "ns3/csma-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/string.h"
#include "ospf-test-support.h"
#include "run-command.h"

#include <array>
#include <cstdio>
#include <filesystem>
#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <unistd.h>

namespace tunnelsim::test
{
namespace
{

namespace fs = std::filesystem;

bool
TsharkAvailable()
{
    auto version = RunCommand("tshark --version 2>/dev/null");
    return version && version->find("TShark") != std::string::npos;
}
/// Fletcher check of RFC 905 annex B over an LSA without its LS age: both running sums
/// must be 0 modulo 255. Written out here so the test does not rely on the codec.
bool
FletcherVerifies(const Bytes& lsa)
{
    int c0 = 0;
    int c1 = 0;
    for (size_t i = 2; i < lsa.size(); ++i)
    {
        c0 = (c0 + lsa[i]) % 255;
        c1 = (c1 + c0) % 255;
    }
    return lsa.size() >= 20 && c0 == 0 && c1 == 0;
}

/// Simulates the topology for @p duration and leaves two captures in @p directory.
void
SimulateAndCapture(const fs::path& directory, ns3::Time duration)
{
    OspfSimulation simulation;
    ns3::NodeContainer routers;
    routers.Create(4);

    ns3::PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", ns3::StringValue("5Mbps"));
    p2p.SetChannelAttribute("Delay", ns3::TimeValue(ns3::MilliSeconds(2)));
    ns3::NetDeviceContainer link = p2p.Install(routers.Get(0), routers.Get(1));
    ns3::CsmaHelper csma;
    csma.SetChannelAttribute("DataRate", ns3::StringValue("100Mbps"));
    ns3::NetDeviceContainer lan
        = csma.Install(ns3::NodeContainer(routers.Get(1), routers.Get(2), routers.Get(3)));

    OspfHelper ospf;
    ospf.SetRouterId(routers.Get(0), "1.1.1.1");
    ospf.SetRouterId(routers.Get(1), "2.2.2.2");
    ospf.SetRouterId(routers.Get(2), "3.3.3.3");
    ospf.SetRouterId(routers.Get(3), "4.4.4.4");
    InstallRouterStack(routers, ospf);

    ns3::Ipv4AddressHelper addresses;
    addresses.SetBase("10.0.0.0", "255.255.255.252");
    addresses.Assign(link);
    addresses.SetBase("10.1.0.0", "255.255.255.0", "0.0.0.2");
    addresses.Assign(lan);
    OspfInterfaceSettings neverDr;
    neverDr.priority = 0;
    Ospf(routers.Get(3))->SetInterfaceSettings(InterfaceOf(lan.Get(2)), neverDr);

    p2p.EnablePcap((directory / "serial.pcap").string(), link.Get(0), false, true);
    csma.EnablePcap((directory / "lan.pcap").string(), lan.Get(0), true, true);
    ns3::Simulator::Stop(duration);
    ns3::Simulator::Run();
}

class OspfTshark : public ::testing::Test
{
  protected:
    static void SetUpTestSuite()
    {
        // One directory per process: ctest may run these tests in parallel processes.
        s_directory
            = fs::path(TUNNELSIM_BINARY_DIR) / ("ospf-tshark-test-" + std::to_string(getpid()));
        fs::remove_all(s_directory);
        fs::create_directories(s_directory);
        SimulateAndCapture(s_directory, ns3::Seconds(120));
    }

    static void TearDownTestSuite() { fs::remove_all(s_directory); }

    void SetUp() override
    {
        if (!TsharkAvailable())
        {
            GTEST_SKIP() << "tshark is not installed";
        }
    }

    static std::vector<fs::path> Captures()
    {
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(s_directory))
        {
            if (entry.path().extension() == ".pcap")
            {
                files.push_back(entry.path());
            }
        }
        std::sort(files.begin(), files.end());
        return files;
    }

    /// tshark's output for @p capture with @p arguments; fails the test when it cannot run.
    static std::string Tshark(const fs::path& capture, const std::string& arguments)
    {
        auto output
            = RunCommand("tshark -n -r '" + capture.string() + "' " + arguments + " 2>/dev/null");
        EXPECT_TRUE(output.has_value()) << "tshark failed on " << capture;
        return output.value_or("");
    }

    static fs::path s_directory;
};

fs::path OspfTshark::s_directory;

TEST_F(OspfTshark, CapturesBothLinks)
{
    ASSERT_EQ(Captures().size(), 2u);
}

TEST_F(OspfTshark, NoMalformedOrExpertWarnings)
{
    for (const fs::path& capture : Captures())
    {
        const std::string ospf = Tshark(capture, "-Y ospf -T fields -e frame.number");
        EXPECT_GT(Lines(ospf).size(), 10u) << capture;
        const std::string bad = Tshark(
            capture,
            "-o ip.check_checksum:TRUE -Y '_ws.malformed || _ws.expert.severity >= \"Warning\"' "
            "-T fields -e frame.number -e _ws.expert.message");
        EXPECT_EQ(bad, "") << capture;
    }
}

TEST_F(OspfTshark, EveryPacketTypeSeen)
{
    for (const fs::path& capture : Captures())
    {
        std::map<std::string, int> types;
        for (const std::string& type : Lines(Tshark(capture, "-Y ospf -T fields -e ospf.msg")))
        {
            ++types[type];
        }
        for (const char* type : {"1", "2", "3", "4", "5"})
        {
            EXPECT_GT(types[type], 0) << capture << " type " << type;
        }
    }
}

TEST_F(OspfTshark, OspfChecksumsCorrect)
{
    for (const fs::path& capture : Captures())
    {
        const std::string pdml = Tshark(capture, "-Y ospf -T pdml");
        const std::regex checksum(
            R"re(name="ospf\.checksum" showname="Checksum: 0x[0-9a-f]{4} \[([a-z ,0-9x]+)\])re");
        size_t correct = 0;
        size_t total = 0;
        for (auto it = std::sregex_iterator(pdml.begin(), pdml.end(), checksum);
             it != std::sregex_iterator(); ++it)
        {
            ++total;
            correct += (*it)[1] == "correct" ? 1 : 0;
        }
        const size_t packets = Lines(Tshark(capture, "-Y ospf -T fields -e frame.number")).size();
        EXPECT_EQ(total, packets) << capture;
        EXPECT_EQ(correct, total) << capture;
    }
}

TEST_F(OspfTshark, LsaFletcherChecksumsVerify)
{
    size_t lsas = 0;
    for (const fs::path& capture : Captures())
    {
        // Each LSA of an LS Update is a PDML subtree whose value attribute contains its bytes.
        const std::string pdml = Tshark(capture, "-Y 'ospf.msg == 4' -T pdml");
        const std::regex lsa(
            R"re(<field name="" show="LSA-type [^"]*" size="(\d+)" pos="\d+" value="([0-9a-f]+)")re");
        for (auto it = std::sregex_iterator(pdml.begin(), pdml.end(), lsa);
             it != std::sregex_iterator(); ++it)
        {
            auto bytes = FromHex((*it)[2].str());
            ASSERT_TRUE(bytes.has_value());
            EXPECT_EQ(bytes->size(), std::stoul((*it)[1].str()));
            EXPECT_TRUE(FletcherVerifies(*bytes)) << capture << ": " << (*it)[2].str();
            ++lsas;
        }
    }
    EXPECT_GT(lsas, 4u);
}

TEST_F(OspfTshark, Ipv4HeaderFields)
{
    for (const fs::path& capture : Captures())
    {
        const std::string fields = Tshark(
            capture, "-o ip.check_checksum:TRUE -Y ospf -T fields -E separator=, -e ip.proto "
                     "-e ip.ttl -e ip.dsfield -e ip.checksum.status -e ip.dst");
        for (const std::string& line : Lines(fields))
        {
            EXPECT_TRUE(line.rfind("89,1,0xc0,1,", 0) == 0) << capture << ": " << line;
        }
    }
}

TEST_F(OspfTshark, AllDRoutersOnlyOnLan)
{
    const std::vector<fs::path> captures = Captures();
    ASSERT_EQ(captures.size(), 2u);
    for (const fs::path& capture : captures)
    {
        const bool lan = capture.filename().string().rfind("lan", 0) == 0;
        const size_t toAllDRouters
            = Lines(Tshark(capture, "-Y 'ip.dst == 224.0.0.6' -T fields -e frame.number")).size();
        if (lan)
        {
            EXPECT_GT(toAllDRouters, 0u) << capture;
        }
        else
        {
            EXPECT_EQ(toAllDRouters, 0u) << capture;
        }
    }
}

} // namespace
} // namespace tunnelsim::test
