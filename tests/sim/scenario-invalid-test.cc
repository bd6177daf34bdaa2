// Scenario validation: one invalid scenario per rule, each made by applying a JSON Patch
// (RFC 6902) to a valid base scenario, must produce an error with the expected JSON Pointer
// and rule.
#include "scenario-loader.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tunnelsim
{
namespace
{

using nlohmann::json;

// Two sites across one ISP router. branch-b has a subnet and a host LAN; every design type
// and event type appears once.
const char* const kBaseScenario = R"({
  "format_version": 1,
  "name": "base",
  "description": "Valid base for the invalid-scenario table.",
  "duration_s": 60,
  "seed": 7,
  "sites": [
    {
      "name": "branch-a",
      "gateway": {"name": "gw-a", "wan_interfaces": [{"link": "a-isp", "address": "192.0.2.1"}]},
      "subnets": [{"prefix": "10.1.1.0/24", "hosts": 2}, {"prefix": "10.1.5.0/24", "hosts": 2}]
    },
    {
      "name": "branch-b",
      "gateway": {"name": "gw-b", "wan_interfaces": [{"link": "b-isp", "address": "198.51.100.1"}]},
      "subnets": [{"prefix": "10.2.2.0/24", "hosts": 2}],
      "host_lan": {"prefix": "10.2.0.0/24", "hosts": ["10.2.0.11", "10.2.0.12"]}
    }
  ],
  "wan": {
    "routers": [{"name": "isp"}],
    "links": [
      {"name": "a-isp", "endpoints": ["gw-a", "isp"], "prefix": "192.0.2.0/30", "rate_bps": 100000000, "delay_ms": 5},
      {"name": "b-isp", "endpoints": ["gw-b", "isp"], "prefix": "198.51.100.0/30", "rate_bps": 100000000, "delay_ms": 5}
    ]
  },
  "designs": [
    {"name": "policy", "type": "policy-based", "matching": "ikev2-narrowing", "crypto": {"suite": "aes-gcm-128"}},
    {"name": "gre-static", "type": "gre-over-ipsec", "routing": {"protocol": "static"}, "crypto": {"suite": "aes-gcm-128"}},
    {"name": "gre-ospf", "type": "gre-over-ipsec", "routing": {"protocol": "ospf"}, "crypto": {"suite": "aes-gcm-128"}},
    {"name": "vti-static", "type": "vti", "routing": {"protocol": "static"}, "crypto": {"suite": "chacha20-poly1305"}}
  ],
  "traffic": {
    "probes": {"interval_s": 1},
    "udp_cbr": [{"name": "video", "from": "10.1.1.2", "to": "10.2.2.2", "rate_bps": 2000000, "packet_size_bytes": 1200, "start_s": 5, "stop_s": 55}],
    "tcp_bulk": [{"name": "backup", "from": "10.1.5.2", "to": "10.2.0.11", "start_s": 5, "stop_s": 55}]
  },
  "events": [
    {"at_s": 20, "type": "link-down", "link": "a-isp"},
    {"at_s": 30, "type": "link-up", "link": "a-isp"},
    {"at_s": 35, "type": "subnet-add", "site": "branch-a", "subnet": {"prefix": "10.1.9.0/24", "hosts": 1}},
    {"at_s": 45, "type": "gateway-restart", "gateway": "gw-b", "down_s": 5}
  ]
})";

struct InvalidCase
{
    const char* name;
    const char* patch;                ///< RFC 6902 operations applied to the base
    const char* pointer;              ///< expected JSON Pointer of the error
    const char* rule;                 ///< expected rule
    const char* exampleContains;      ///< text the error's example must contain; "" to skip
    const char* messageContains = ""; ///< text the error's message must contain; "" to skip
};

const InvalidCase kCases[] = {
    // Structure: keys and types.
    {"unknown top-level key", R"([{"op": "add", "path": "/colour", "value": "red"}])", "/colour",
     "unknown-key", ""},
    {"misspelled key",
     R"([{"op": "add", "path": "/designs/2/routing/hello_interval", "value": 5}])",
     "/designs/2/routing/hello_interval", "unknown-key", "\"hello_interval_s\""},
    {"string for number", R"([{"op": "replace", "path": "/duration_s", "value": "60"}])",
     "/duration_s", "wrong-type", "60"},
    {"fraction for integer",
     R"([{"op": "replace", "path": "/sites/0/subnets/0/hosts", "value": 2.5}])",
     "/sites/0/subnets/0/hosts", "wrong-type", "2"},
    {"object for array", R"([{"op": "replace", "path": "/designs", "value": {}}])", "/designs",
     "wrong-type", "["},
    {"missing seed", R"([{"op": "remove", "path": "/seed"}])", "/seed", "missing-key", "1"},
    {"missing link rate", R"([{"op": "remove", "path": "/wan/links/0/rate_bps"}])",
     "/wan/links/0/rate_bps", "missing-key", ""},
    {"site without LANs", R"([{"op": "remove", "path": "/sites/0/subnets"}])", "/sites/0",
     "missing-key", "subnets"},
    {"format version", R"([{"op": "replace", "path": "/format_version", "value": 2}])",
     "/format_version", "format-version", "1"},
    {"seed zero", R"([{"op": "replace", "path": "/seed", "value": 0}])", "/seed", "out-of-range",
     ""},
    {"seed beyond 64 bits",
     R"([{"op": "replace", "path": "/seed", "value": 18446744073709551616}])", "/seed",
     "out-of-range", ""},
    {"loss above one", R"([{"op": "add", "path": "/wan/links/0/loss_rate", "value": 1.5}])",
     "/wan/links/0/loss_rate", "out-of-range", ""},
    {"negative duration", R"([{"op": "replace", "path": "/duration_s", "value": -5}])",
     "/duration_s", "out-of-range", ""},
    {"unknown design type", R"([{"op": "replace", "path": "/designs/1/type", "value": "gre"}])",
     "/designs/1/type", "invalid-value", ""},
    {"unknown crypto suite",
     R"([{"op": "replace", "path": "/designs/1/crypto/suite", "value": "aes-ctr-128"}])",
     "/designs/1/crypto/suite", "invalid-value", "aes-gcm-128"},
    {"name with space", R"([{"op": "replace", "path": "/sites/0/name", "value": "branch a"}])",
     "/sites/0/name", "invalid-name", ""},
    {"one site", R"([{"op": "remove", "path": "/sites/1"}])", "/sites", "too-few-items", ""},
    {"three link endpoints",
     R"([{"op": "add", "path": "/wan/links/0/endpoints/-", "value": "isp"}])",
     "/wan/links/0/endpoints", "out-of-range", ""},

    // Addresses and prefixes.
    {"address octet 300",
     R"([{"op": "replace", "path": "/sites/0/gateway/wan_interfaces/0/address", "value": "192.0.2.300"}])",
     "/sites/0/gateway/wan_interfaces/0/address", "invalid-address", ""},
    {"prefix length 33",
     R"([{"op": "replace", "path": "/sites/0/subnets/1/prefix", "value": "10.1.5.0/33"}])",
     "/sites/0/subnets/1/prefix", "invalid-prefix", ""},
    {"prefix without length",
     R"([{"op": "replace", "path": "/sites/0/subnets/1/prefix", "value": "10.1.5.0"}])",
     "/sites/0/subnets/1/prefix", "invalid-prefix", ""},
    {"host bits set",
     R"([{"op": "replace", "path": "/sites/0/subnets/1/prefix", "value": "10.1.5.1/24"}])",
     "/sites/0/subnets/1/prefix", "prefix-host-bits", "\"10.1.5.0/24\""},
    {"wan address outside link",
     R"([{"op": "replace", "path": "/sites/0/gateway/wan_interfaces/0/address", "value": "192.0.2.5"}])",
     "/sites/0/gateway/wan_interfaces/0/address", "address-outside-prefix", "\"192.0.2.1\""},
    {"wan address is broadcast",
     R"([{"op": "replace", "path": "/sites/0/gateway/wan_interfaces/0/address", "value": "192.0.2.3"}])",
     "/sites/0/gateway/wan_interfaces/0/address", "address-outside-prefix", ""},
    {"host outside host LAN",
     R"([{"op": "replace", "path": "/sites/1/host_lan/hosts/0", "value": "10.9.0.5"}])",
     "/sites/1/host_lan/hosts/0", "address-outside-prefix", ""},
    {"host is gateway address",
     R"([{"op": "replace", "path": "/sites/1/host_lan/hosts/0", "value": "10.2.0.1"}])",
     "/sites/1/host_lan/hosts/0", "address-outside-prefix", ""},
    {"duplicate host",
     R"([{"op": "replace", "path": "/sites/1/host_lan/hosts/1", "value": "10.2.0.11"}])",
     "/sites/1/host_lan/hosts/1", "duplicate-address", "\"10.2.0.2\""},
    {"duplicate wan address",
     R"([{"op": "replace", "path": "/sites/1/gateway/wan_interfaces/0/address", "value": "192.0.2.1"}])",
     "/sites/1/gateway/wan_interfaces/0/address", "duplicate-address", "\"198.51.100.1\""},
    {"subnet too small", R"([{"op": "replace", "path": "/sites/0/subnets/0/hosts", "value": 300}])",
     "/sites/0/subnets/0", "subnet-too-small", "\"10.1.0.0/23\""},
    {"link prefix /32",
     R"([{"op": "replace", "path": "/wan/links/0/prefix", "value": "192.0.2.1/32"}])",
     "/wan/links/0/prefix", "subnet-too-small", "\"192.0.2.0/30\""},

    // Address space that is not unicast host space, and the tunnel inside addresses.
    {"multicast subnet",
     R"([{"op": "replace", "path": "/sites/0/subnets/1/prefix", "value": "224.0.0.0/24"}])",
     "/sites/0/subnets/1/prefix", "reserved-prefix", "", "RFC 5771"},
    {"loopback subnet",
     R"([{"op": "replace", "path": "/sites/0/subnets/1/prefix", "value": "127.0.0.0/24"}])",
     "/sites/0/subnets/1/prefix", "reserved-prefix", "", "loopback (RFC 1122 s3.2.1.3)"},
    {"class E subnet",
     R"([{"op": "replace", "path": "/sites/0/subnets/1/prefix", "value": "240.0.0.0/24"}])",
     "/sites/0/subnets/1/prefix", "reserved-prefix", "", "RFC 1112 s4"},
    {"this-network subnet",
     R"([{"op": "replace", "path": "/sites/0/subnets/1/prefix", "value": "0.0.0.0/24"}])",
     "/sites/0/subnets/1/prefix", "reserved-prefix", "", "\"this network\""},
    {"whole space subnet",
     R"([{"op": "replace", "path": "/sites/0/subnets/1/prefix", "value": "0.0.0.0/0"}])",
     "/sites/0/subnets/1/prefix", "reserved-prefix", "", ""},
    {"broadcast host LAN",
     R"([{"op": "replace", "path": "/sites/1/host_lan", "value": {"prefix": "255.255.255.0/24", "hosts": ["255.255.255.11"]}}])",
     "/sites/1/host_lan/prefix", "reserved-prefix", "", "limited broadcast"},
    {"multicast link",
     R"([{"op": "replace", "path": "/wan/links/0/prefix", "value": "224.0.1.0/30"}])",
     "/wan/links/0/prefix", "reserved-prefix", "\"192.0.2.0/30\"", "multicast"},
    {"link in tunnel block",
     R"([{"op": "replace", "path": "/wan/links/0/prefix", "value": "169.254.0.0/30"}])",
     "/wan/links/0/prefix", "reserved-prefix", "", "tunnel inside addresses"},
    {"added subnet in tunnel block",
     R"([{"op": "replace", "path": "/events/2/subnet/prefix", "value": "169.254.9.0/24"}])",
     "/events/2/subnet/prefix", "reserved-prefix", "", "169.254.0.0/16"},

    // Overlaps.
    {"overlap within site",
     R"([{"op": "replace", "path": "/sites/0/subnets/1/prefix", "value": "10.1.1.0/25"}])",
     "/sites/0/subnets/1/prefix", "overlap", "\"10.1.2.0/25\""},
    {"overlap across sites",
     R"([{"op": "replace", "path": "/sites/1/subnets/0/prefix", "value": "10.1.0.0/16"}])",
     "/sites/1/subnets/0/prefix", "overlap", ""},
    {"overlap with host LAN",
     R"([{"op": "replace", "path": "/sites/1/host_lan/prefix", "value": "10.2.2.0/24"}])",
     "/sites/1/host_lan/prefix", "overlap", ""},
    {"overlap with link",
     R"([{"op": "replace", "path": "/sites/0/subnets/0/prefix", "value": "192.0.2.0/24"}])",
     "/wan/links/0/prefix", "overlap", ""},
    {"added subnet overlaps",
     R"([{"op": "replace", "path": "/events/2/subnet/prefix", "value": "10.1.1.0/24"}])",
     "/events/2/subnet/prefix", "overlap", ""},

    // Names and references.
    {"duplicate site name", R"([{"op": "replace", "path": "/sites/1/name", "value": "branch-a"}])",
     "/sites/1/name", "duplicate-name", ""},
    {"duplicate design name",
     R"([{"op": "replace", "path": "/designs/1/name", "value": "policy"}])", "/designs/1/name",
     "duplicate-name", ""},
    {"router named like gateway",
     R"([{"op": "replace", "path": "/wan/routers/0/name", "value": "gw-a"}])",
     "/wan/routers/0/name", "duplicate-name", ""},
    {"duplicate link name", R"([{"op": "replace", "path": "/wan/links/1/name", "value": "a-isp"}])",
     "/wan/links/1/name", "duplicate-name", ""},
    {"duplicate flow name",
     R"([{"op": "replace", "path": "/traffic/tcp_bulk/0/name", "value": "video"}])",
     "/traffic/tcp_bulk/0/name", "duplicate-name", ""},
    {"undefined link endpoint",
     R"([{"op": "replace", "path": "/wan/links/0/endpoints/1", "value": "isp9"}])",
     "/wan/links/0/endpoints/1", "undefined-reference", "\"gw-a\""},
    {"undefined wan link",
     R"([{"op": "replace", "path": "/sites/0/gateway/wan_interfaces/0/link", "value": "nowhere"}])",
     "/sites/0/gateway/wan_interfaces/0/link", "undefined-reference", "\"a-isp\""},
    {"undefined flow host",
     R"([{"op": "replace", "path": "/traffic/udp_cbr/0/to", "value": "10.2.2.99"}])",
     "/traffic/udp_cbr/0/to", "undefined-reference", ""},
    {"undefined event site",
     R"([{"op": "replace", "path": "/events/2/site", "value": "branch-z"}])", "/events/2/site",
     "undefined-reference", "\"branch-a\""},
    {"undefined event link", R"([{"op": "replace", "path": "/events/0/link", "value": "z-isp"}])",
     "/events/0/link", "undefined-reference", ""},
    {"undefined restart gateway",
     R"([{"op": "replace", "path": "/events/3/gateway", "value": "gw-z"}])", "/events/3/gateway",
     "undefined-reference", ""},
    {"undefined tunnel gateway",
     R"([{"op": "add", "path": "/designs/1/tunnels", "value": [{"name": "t", "endpoints": [{"gateway": "gw-a", "link": "a-isp"}, {"gateway": "gw-z", "link": "b-isp"}]}]}])",
     "/designs/1/tunnels/0/endpoints/1/gateway", "undefined-reference", ""},
    {"tunnel on foreign link",
     R"([{"op": "add", "path": "/designs/1/tunnels", "value": [{"name": "t", "endpoints": [{"gateway": "gw-a", "link": "b-isp"}, {"gateway": "gw-b", "link": "b-isp"}]}]}])",
     "/designs/1/tunnels/0/endpoints/0/link", "link-mismatch", "\"a-isp\""},
    {"gateway endpoint without interface",
     R"([{"op": "replace", "path": "/wan/links/1/endpoints/0", "value": "gw-a"}])",
     "/wan/links/1/endpoints/0", "link-mismatch", ""},
    {"link loops to itself",
     R"([{"op": "replace", "path": "/wan/links/0/endpoints/1", "value": "gw-a"}])",
     "/wan/links/0/endpoints", "invalid-value", ""},
    {"flow inside one site",
     R"([{"op": "replace", "path": "/traffic/udp_cbr/0/to", "value": "10.1.5.2"}])",
     "/traffic/udp_cbr/0/to", "invalid-value", "\"10.2.0.11\""},
    {"tunnel inside one site",
     R"([{"op": "add", "path": "/designs/1/tunnels", "value": [{"name": "t", "endpoints": [{"gateway": "gw-a", "link": "a-isp"}, {"gateway": "gw-a", "link": "a-isp"}]}]}])",
     "/designs/1/tunnels/0/endpoints", "invalid-value", ""},

    // Connectivity.
    {"wan split in two",
     R"([{"op": "add", "path": "/wan/routers/-", "value": {"name": "isp2"}}, {"op": "replace", "path": "/wan/links/1/endpoints/1", "value": "isp2"}])",
     "/sites/1/gateway", "wan-disconnected", ""},
    {"empty tunnel list", R"([{"op": "add", "path": "/designs/0/tunnels", "value": []}])",
     "/designs/0/tunnels", "too-few-items", ""},
    {"third site without tunnel",
     R"([{"op": "add", "path": "/sites/-", "value": {"name": "branch-c", "gateway": {"name": "gw-c", "wan_interfaces": [{"link": "c-isp", "address": "203.0.113.1"}]}, "subnets": [{"prefix": "10.3.3.0/24"}]}},
         {"op": "add", "path": "/wan/links/-", "value": {"name": "c-isp", "endpoints": ["gw-c", "isp"], "prefix": "203.0.113.0/30", "rate_bps": 1000000, "delay_ms": 1}},
         {"op": "add", "path": "/designs/2/tunnels", "value": [{"name": "a-b", "endpoints": [{"gateway": "gw-a", "link": "a-isp"}, {"gateway": "gw-b", "link": "b-isp"}]}]}])",
     "/designs/2/tunnels", "sites-unreachable", ""},
    {"policy without direct tunnel",
     R"([{"op": "add", "path": "/sites/-", "value": {"name": "branch-c", "gateway": {"name": "gw-c", "wan_interfaces": [{"link": "c-isp", "address": "203.0.113.1"}]}, "subnets": [{"prefix": "10.3.3.0/24"}]}},
         {"op": "add", "path": "/wan/links/-", "value": {"name": "c-isp", "endpoints": ["gw-c", "isp"], "prefix": "203.0.113.0/30", "rate_bps": 1000000, "delay_ms": 1}},
         {"op": "add", "path": "/designs/0/tunnels", "value": [{"name": "a-b", "endpoints": [{"gateway": "gw-a", "link": "a-isp"}, {"gateway": "gw-b", "link": "b-isp"}]}, {"name": "b-c", "endpoints": [{"gateway": "gw-b", "link": "b-isp"}, {"gateway": "gw-c", "link": "c-isp"}]}]}])",
     "/designs/0/tunnels", "sites-unreachable", ""},

    {"link rate above 10 Tb/s",
     R"([{"op": "replace", "path": "/wan/links/0/rate_bps", "value": 18446744073709551615}])",
     "/wan/links/0/rate_bps", "out-of-range", "100000000"},

    // Times and event order.
    {"event after end", R"([{"op": "replace", "path": "/events/0/at_s", "value": 61}])",
     "/events/0/at_s", "time-outside-run", "30"},
    {"event before start", R"([{"op": "replace", "path": "/events/0/at_s", "value": -1}])",
     "/events/0/at_s", "time-outside-run", ""},
    {"restart past end", R"([{"op": "replace", "path": "/events/3/down_s", "value": 100}])",
     "/events/3/down_s", "time-outside-run", "15"},
    {"flow stops after end",
     R"([{"op": "replace", "path": "/traffic/udp_cbr/0/stop_s", "value": 70}])",
     "/traffic/udp_cbr/0/stop_s", "time-outside-run", "60"},
    {"flow stops before start",
     R"([{"op": "replace", "path": "/traffic/udp_cbr/0/stop_s", "value": 4}])",
     "/traffic/udp_cbr/0/stop_s", "out-of-range", ""},
    {"probes start after end", R"([{"op": "add", "path": "/traffic/probes/start_s", "value": 60}])",
     "/traffic/probes/start_s", "time-outside-run", ""},
    {"event in last probe interval",
     R"([{"op": "replace", "path": "/events/3/at_s", "value": 54.5}])", "/events/3/down_s",
     "too-late-to-measure", "4.5"},
    {"event at the end", R"([{"op": "replace", "path": "/events/2/at_s", "value": 60}])",
     "/events/2/at_s", "too-late-to-measure", "58"},
    {"restart back in last probe interval",
     R"([{"op": "replace", "path": "/events/3/down_s", "value": 14.5}])", "/events/3/down_s",
     "too-late-to-measure", "14"},
    {"link up while up", R"([{"op": "remove", "path": "/events/0"}])", "/events/0", "event-state",
     R"({"at_s": 30, "type": "link-down", "link": "a-isp"})"},
    {"link down twice",
     R"([{"op": "add", "path": "/events/-", "value": {"at_s": 25, "type": "link-down", "link": "a-isp"}}])",
     "/events/4", "event-state", R"({"at_s": 25, "type": "link-up", "link": "a-isp"})"},
    {"add removed subnet again",
     R"([{"op": "add", "path": "/events/-", "value": {"at_s": 10, "type": "subnet-remove", "site": "branch-a", "prefix": "10.1.5.0/24"}},
         {"op": "add", "path": "/events/-", "value": {"at_s": 40, "type": "subnet-add", "site": "branch-a", "subnet": {"prefix": "10.1.5.0/24", "hosts": 1}}}])",
     "/events/5/subnet/prefix", "unmodelled", "",
     "adding addresses of a removed subnet again is not modelled"},
    {"remove absent subnet",
     R"([{"op": "add", "path": "/events/-", "value": {"at_s": 10, "type": "subnet-remove", "site": "branch-a", "prefix": "10.1.9.0/24"}}])",
     "/events/4/prefix", "event-state", "\"10.1.1.0/24\""},
    {"restart while down",
     R"([{"op": "add", "path": "/events/-", "value": {"at_s": 46, "type": "gateway-restart", "gateway": "gw-b", "down_s": 1}}])",
     "/events/4", "event-state",
     R"({"at_s": 50, "type": "gateway-restart", "gateway": "gw-b", "down_s": 1})"},
    {"event key of other type", R"([{"op": "add", "path": "/events/0/site", "value": "branch-a"}])",
     "/events/0/site", "unknown-key", ""},

    // Unsupported combinations.
    {"keepalive with ospf",
     R"([{"op": "add", "path": "/designs/2/routing/keepalive", "value": {}}])",
     "/designs/2/routing/keepalive", "unsupported-combination", ""},
    {"floating routes with ospf",
     R"([{"op": "add", "path": "/designs/2/routing/floating_routes", "value": true}])",
     "/designs/2/routing/floating_routes", "unsupported-combination", ""},
    {"keepalive with vti",
     R"([{"op": "add", "path": "/designs/3/routing/keepalive", "value": {"period_s": 5}}])",
     "/designs/3/routing/keepalive", "unsupported-combination", ""},
    {"ospf timer with static",
     R"([{"op": "add", "path": "/designs/1/routing/hello_interval_s", "value": 5}])",
     "/designs/1/routing/hello_interval_s", "unsupported-combination", ""},
    {"vti with transport",
     R"([{"op": "add", "path": "/designs/3/ipsec_mode", "value": "transport"}])",
     "/designs/3/ipsec_mode", "unsupported-combination", ""},
    {"policy with transport",
     R"([{"op": "add", "path": "/designs/0/ipsec_mode", "value": "transport"}])",
     "/designs/0/ipsec_mode", "unsupported-combination", ""},
    {"ikev1 with narrowing",
     R"([{"op": "add", "path": "/designs/0/ike", "value": {"version": 1}}])",
     "/designs/0/ike/version", "unsupported-combination", ""},
    {"policy with routing",
     R"([{"op": "add", "path": "/designs/0/routing", "value": {"protocol": "static"}}])",
     "/designs/0/routing", "unsupported-combination", ""},
    {"policy with tunnel mtu", R"([{"op": "add", "path": "/designs/0/tunnel_mtu", "value": 1400}])",
     "/designs/0/tunnel_mtu", "unsupported-combination", ""},
    {"matching on gre",
     R"([{"op": "add", "path": "/designs/1/matching", "value": "ikev1-strict"}])",
     "/designs/1/matching", "unsupported-combination", ""},
    {"policy without matching", R"([{"op": "remove", "path": "/designs/0/matching"}])",
     "/designs/0/matching", "missing-key", ""},
    {"gre without routing", R"([{"op": "remove", "path": "/designs/1/routing"}])",
     "/designs/1/routing", "missing-key", ""},
    {"floating without backup",
     R"([{"op": "add", "path": "/designs/1/routing/floating_routes", "value": true}])",
     "/designs/1/routing/floating_routes", "unsupported-combination", "false"},
    {"policy with two tunnels",
     R"([{"op": "add", "path": "/designs/0/tunnels", "value": [{"name": "t1", "endpoints": [{"gateway": "gw-a", "link": "a-isp"}, {"gateway": "gw-b", "link": "b-isp"}]}, {"name": "t2", "endpoints": [{"gateway": "gw-b", "link": "b-isp"}, {"gateway": "gw-a", "link": "a-isp"}]}]}])",
     "/designs/0/tunnels/1", "unsupported-combination", ""},
    {"dead not above hello",
     R"([{"op": "add", "path": "/designs/2/routing/hello_interval_s", "value": 40}])",
     "/designs/2/routing/router_dead_interval_s", "out-of-range", "160"},
    {"tunnel mtu text", R"([{"op": "add", "path": "/designs/1/tunnel_mtu", "value": "big"}])",
     "/designs/1/tunnel_mtu", "wrong-type", "auto"},
    {"tunnel mtu too small", R"([{"op": "add", "path": "/designs/1/tunnel_mtu", "value": 40}])",
     "/designs/1/tunnel_mtu", "out-of-range", ""},

    {"link mtu starves tunnels",
     R"([{"op": "add", "path": "/wan/links/0/mtu_bytes", "value": 68}])", "/wan/links/0/mtu_bytes",
     "tunnel-mtu-too-small", "", "an MTU of 0"},
    {"link mtu below ospf minimum",
     R"([{"op": "add", "path": "/wan/links/1/mtu_bytes", "value": 600}])", "/wan/links/1/mtu_bytes",
     "tunnel-mtu-too-small", "", "design \"gre-ospf\""},
    {"ospf tunnel mtu 100", R"([{"op": "add", "path": "/designs/2/tunnel_mtu", "value": 100}])",
     "/designs/2/tunnel_mtu", "tunnel-mtu-too-small", "576", "before reassembly"},

    // Sizes and rates that cannot run.
    {"empty subnets without host LAN",
     R"([{"op": "replace", "path": "/sites/0/subnets", "value": []}])", "/sites/0/subnets",
     "too-few-items", "10.1.1.0/24", "host_lan"},
    {"crypto scale overflows",
     R"([{"op": "add", "path": "/designs/1/crypto_engine", "value": {"scale": 1.797e308}}])",
     "/designs/1/crypto_engine/scale", "out-of-range", "", "finite"},
    {"probe interval 1 ns",
     R"([{"op": "replace", "path": "/traffic/probes/interval_s", "value": 1e-9}])",
     "/traffic/probes/interval_s", "out-of-range", "", "[0.001, "},
    {"flow packet gap under 100 ns",
     R"([{"op": "replace", "path": "/traffic/udp_cbr/0/rate_bps", "value": 1000000000},
         {"op": "replace", "path": "/traffic/udp_cbr/0/packet_size_bytes", "value": 10}])",
     "/traffic/udp_cbr/0/rate_bps", "rate-too-high", "800000000", "every 80 ns"},
    {"link /31", R"([{"op": "replace", "path": "/wan/links/0/prefix", "value": "192.0.2.0/31"}])",
     "/wan/links/0/prefix", "unsupported-prefix", "\"192.0.2.0/30\"", "broadcast"},
    {"IKE SA lifetime shorter than run",
     R"([{"op": "add", "path": "/designs/1/ike", "value": {"ike_lifetime_s": 30}}])",
     "/designs/1/ike/ike_lifetime_s", "unmodelled", "86400", "rekeying"},
    {"capture names collide",
     R"([{"op": "replace", "path": "/designs/0/name", "value": "gre"},
         {"op": "replace", "path": "/wan/links/1/name", "value": "static-a-isp"},
         {"op": "replace", "path": "/sites/1/gateway/wan_interfaces/0/link", "value": "static-a-isp"}])",
     "/designs/1/name", "file-name-collision", "", "gre-static-a-isp.pcap"},
    {"flow rate 1 Pb/s",
     R"([{"op": "replace", "path": "/traffic/udp_cbr/0/rate_bps", "value": 1000000000000000}])",
     "/traffic/udp_cbr/0/rate_bps", "out-of-range", "", "1000000000]"},

    // Sweep.
    {"sweep above subnet count",
     R"([{"op": "add", "path": "/sweep", "value": {"subnets_per_site": {"min": 1, "max": 5}}}])",
     "/sweep/subnets_per_site/max", "out-of-range", ""},
    {"sweep max below min",
     R"([{"op": "add", "path": "/sweep", "value": {"subnets_per_site": {"min": 3, "max": 2}}}])",
     "/sweep/subnets_per_site/max", "out-of-range", "3"},
    {"spf max hold below hold",
     R"([{"op": "add", "path": "/designs/2/routing/spf_max_hold_ms", "value": 10}])",
     "/designs/2/routing/spf_max_hold_ms", "out-of-range", "50"},
    {"sweep drops flow host",
     R"([{"op": "add", "path": "/sweep", "value": {"subnets_per_site": {"min": 1, "max": 1}}}])",
     "/traffic/tcp_bulk/0/from", "undefined-reference", ""},
};

std::vector<ScenarioError>
LoadPatched(const char* patch)
{
    json document = json::parse(kBaseScenario).patch(json::parse(patch));
    return ParseScenario(document.dump()).errors;
}

TEST(InvalidScenarios, BaseIsValid)
{
    ScenarioLoadResult loaded = ParseScenario(kBaseScenario);
    EXPECT_TRUE(loaded.Ok()) << loaded.FormatErrors("base");
}

TEST(InvalidScenarios, EachRuleReported)
{
    for (const InvalidCase& c : kCases)
    {
        SCOPED_TRACE(c.name);
        std::vector<ScenarioError> errors = LoadPatched(c.patch);
        std::string all;
        for (const ScenarioError& error : errors)
        {
            all += error.ToString() + "\n";
        }
        auto found = std::find_if(errors.begin(), errors.end(),
                                  [&c](const ScenarioError& error)
                                  {
                                      return error.pointer == c.pointer && error.rule == c.rule;
                                  });
        ASSERT_NE(found, errors.end()) << "expected " << c.pointer << " [" << c.rule << "], got:\n"
                                       << all;

        EXPECT_FALSE(found->message.empty());
        std::string text = found->ToString();
        EXPECT_NE(text.find(c.pointer), std::string::npos) << text;
        EXPECT_NE(text.find(std::string("[") + c.rule + "]"), std::string::npos) << text;
        if (*c.exampleContains != '\0')
        {
            EXPECT_NE(found->example.find(c.exampleContains), std::string::npos)
                << "example: " << found->example;
        }
        if (*c.messageContains != '\0')
        {
            EXPECT_NE(found->message.find(c.messageContains), std::string::npos)
                << "message: " << found->message;
        }
    }
}

TEST(InvalidScenarios, CasesAreDistinct)
{
    // Each case must break the base in its own way: no two cases share a patch.
    for (size_t i = 0; i < std::size(kCases); ++i)
    {
        for (size_t j = i + 1; j < std::size(kCases); ++j)
        {
            EXPECT_STRNE(kCases[i].patch, kCases[j].patch)
                << kCases[i].name << " / " << kCases[j].name;
        }
    }
}

TEST(InvalidScenarios, AllErrorsCollected)
{
    // Three independent structural errors in one file come back together.
    const char* patch = R"([
      {"op": "add", "path": "/colour", "value": "red"},
      {"op": "replace", "path": "/sites/0/subnets/1/prefix", "value": "10.1.5.1/24"},
      {"op": "replace", "path": "/designs/1/crypto/suite", "value": "des"}
    ])";
    std::vector<ScenarioError> errors = LoadPatched(patch);
    EXPECT_EQ(errors.size(), 3U);
}

TEST(InvalidScenarios, SemanticErrorsCollected)
{
    const char* patch = R"([
      {"op": "replace", "path": "/sites/1/name", "value": "branch-a"},
      {"op": "replace", "path": "/events/0/at_s", "value": 99},
      {"op": "replace", "path": "/traffic/udp_cbr/0/to", "value": "10.2.2.99"}
    ])";
    std::vector<ScenarioError> errors = LoadPatched(patch);
    for (const char* rule : {"duplicate-name", "time-outside-run", "undefined-reference"})
    {
        EXPECT_TRUE(std::any_of(errors.begin(), errors.end(),
                                [rule](const ScenarioError& e)
                                {
                                    return e.rule == rule;
                                }))
            << rule;
    }
}

TEST(InvalidScenarios, DuplicateDesignNameReportedOnce)
{
    std::vector<ScenarioError> errors
        = LoadPatched(R"([{"op": "replace", "path": "/designs/1/name", "value": "policy"}])");
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(errors[0].rule, "duplicate-name");
}

TEST(InvalidScenarios, EventJustBeforeLastIntervalAccepted)
{
    // The last probe interval starts at 59 s: a restart that ends at 58.9 s has a probe after it.
    EXPECT_TRUE(
        LoadPatched(R"([{"op": "replace", "path": "/events/3/at_s", "value": 53.9}])").empty());
}

TEST(InvalidScenarios, SweepErrorNamesRun)
{
    std::vector<ScenarioError> errors = LoadPatched(
        R"([{"op": "add", "path": "/sweep", "value": {"subnets_per_site": {"min": 1, "max": 1}}}])");
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_NE(errors[0].message.find("sweep run with 1 subnet(s) per site"), std::string::npos)
        << errors[0].message;
}

/** The base scenario's text with its "duration_s" value replaced by @p value. */
std::string
WithDuration(const std::string& value)
{
    std::string text = kBaseScenario;
    const std::string key = "\"duration_s\": 60";
    text.replace(text.find(key), key.size(), "\"duration_s\": " + value);
    return text;
}

TEST(InvalidScenarios, NumberOverflowIsSyntax)
{
    // 1e400 does not fit a double: nlohmann throws out_of_range, not parse_error.
    std::vector<ScenarioError> errors = ParseScenario(WithDuration("1e400")).errors;
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(errors[0].rule, "json-syntax");
    EXPECT_EQ(errors[0].pointer, "");
    EXPECT_NE(errors[0].message.find("'1e400'"), std::string::npos) << errors[0].message;
    EXPECT_NE(errors[0].message.find("line 5, column 17"), std::string::npos) << errors[0].message;
}

TEST(InvalidScenarios, DeepNestingRejected)
{
    for (size_t depth : {65, 100000, 1000000})
    {
        SCOPED_TRACE(depth);
        std::string text = std::string(depth, '[') + std::string(depth, ']');
        std::vector<ScenarioError> errors = ParseScenario(text).errors;
        ASSERT_EQ(errors.size(), 1U);
        EXPECT_EQ(errors[0].rule, "too-deep");
    }
}

TEST(InvalidScenarios, DeepNestingInsideValueRejected)
{
    // 100000 objects, each the value of key "a" in the one around it, left unclosed.
    std::string nested;
    for (size_t i = 0; i < 100000; ++i)
    {
        nested += "{\"a\": ";
    }
    std::string text = WithDuration(nested);
    std::vector<ScenarioError> errors = ParseScenario(text).errors;
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(errors[0].rule, "too-deep");
}

TEST(InvalidScenarios, NestingAtLimitReadsOn)
{
    // 63 arrays inside the top-level object: 64 levels, parsed and reported as a wrong type.
    std::vector<ScenarioError> errors
        = ParseScenario(WithDuration(std::string(63, '[') + std::string(63, ']'))).errors;
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(errors[0].rule, "wrong-type");
    EXPECT_NE(errors[0].message.find("got array [[[[["), std::string::npos) << errors[0].message;
}

TEST(InvalidScenarios, NullWording)
{
    std::vector<ScenarioError> errors
        = LoadPatched(R"([{"op": "replace", "path": "/sites", "value": null}])");
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(errors[0].message, "expected an array, got null");
}

TEST(InvalidScenarios, NoScenarioOnError)
{
    ScenarioLoadResult loaded
        = ParseScenario(json::parse(kBaseScenario)
                            .patch(json::parse(R"([{"op": "remove", "path": "/seed"}])"))
                            .dump());
    EXPECT_FALSE(loaded.Ok());
    EXPECT_FALSE(loaded.scenario.has_value());
}

} // namespace
} // namespace tunnelsim
