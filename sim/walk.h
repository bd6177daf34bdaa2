/*
 * `simrun --walk`: the journey of one probe packet through a design, built from trace
 * events of the run. Every probe of one flow carries a WalkTag (an ns-3 packet tag, which
 * the IPsec and GRE models copy across encapsulation). Each device transmission and
 * reception of a tagged packet is recorded with its bytes and, on transmission, with the
 * decision that sent it there: the SPD entry and SA for the IPsec device, the SA of a VTI,
 * or the static or OSPF route of the output interface. After the run the bytes are decoded
 * with the codec (opening ESP with the run's SAs) and the layers added or removed between
 * hops are derived from them.
 *
 * Limitations:
 * - The IPsec and GRE models have no encapsulation trace, so encapsulation is seen as the
 *   difference between the packets a node receives and sends.
 * - A route is described from the routing tables at transmission time, not from inside
 *   Ipv4ListRouting, which does not report the protocol that answered.
 * - Only the first delivered probe of the followed flow is shown; when none arrives, the
 *   first probe's partial journey is.
 */
#ifndef TUNNELSIM_SIM_WALK_H
#define TUNNELSIM_SIM_WALK_H

#include "esp-sa-file.h"
#include "ns3/node.h"
#include "ns3/ptr.h"
#include "probe.h"

#include <memory>
#include <string>
#include <vector>

namespace tunnelsim
{

/** A node to trace, with the name the walk shows for it. */
struct WalkNode
{
    ns3::Ptr<ns3::Node> node;
    std::string name;
};

class WalkTracer
{
  public:
    /// Connect to the transmit and receive traces of every device of @p nodes.
    explicit WalkTracer(std::vector<WalkNode> nodes);
    ~WalkTracer();
    WalkTracer(const WalkTracer&) = delete;
    WalkTracer& operator=(const WalkTracer&) = delete;

    /// Tag every probe of flow @p flow as @p recorder sends it.
    void Follow(ProbeRecorder& recorder, size_t flow);

    /**
     * The journey of the first followed probe that arrived (or of the first one sent),
     * one line per hop, decoding ESP with @p sas.
     */
    std::string Render(const std::string& designName, const std::vector<EspSaFileEntry>& sas,
                       const ProbeRecorder& recorder) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace tunnelsim

#endif
