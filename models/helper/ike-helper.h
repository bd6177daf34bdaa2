/*
 * IkeHelper installs the IKE model on gateways, the way RipHelper installs RIP. Install(node)
 * adds an IkeEndpoint application. When the node has an IPsec stack (IpsecHelper), it wires
 * them both ways: CHILD SAs the endpoint negotiates are installed in and removed from the
 * node's SAD, and packets that hit a PROTECT policy without an SA become acquires, queued
 * packets going back to the stack once their SA exists.
 *
 * Limitations:
 * - A CHILD SA negotiated with several selector pairs (IKEv2 narrowing into a list) is
 *   installed with one selector pair covering them all, because an SAD entry carries one
 *   pair; the inbound check is then looser than the negotiated selectors.
 * - An outbound SA is bound to the first PROTECT entry that contains its selectors; when
 *   there is none, the binding adds a PROTECT entry for exactly the negotiated selectors.
 */
#ifndef TUNNELSIM_HELPER_IKE_HELPER_H
#define TUNNELSIM_HELPER_IKE_HELPER_H

#include "ipsec/ike-endpoint.h"
#include "ipsec/ipsec-stack.h"
#include "ns3/attribute.h"
#include "ns3/net-device.h"
#include "ns3/node-container.h"
#include "ns3/object-factory.h"

#include <map>
#include <string>
#include <utility>

namespace tunnelsim
{

/**
 * The link between one IkeEndpoint and the IPsec stack of its node: turns ChildSaAction
 * calls into SAD changes. Aggregated to the endpoint by IkeHelper::Install.
 */
class IkeSadBinding : public ns3::Object
{
  public:
    static ns3::TypeId GetTypeId();

    IkeSadBinding() = default;
    IkeSadBinding(ns3::Ptr<IpsecStack> stack);

    /// CHILD SAs of connection @p connection are bound to VTI @p device instead of the SPD.
    void BindVti(const std::string& connection, ns3::Ptr<ns3::NetDevice> device);
    /// Apply @p action to the SAD; throws what the SAD throws for invalid parameters.
    void Apply(ChildSaAction action, const ChildSaParameters& parameters);
    /// PROTECT entries this binding added because no configured one covered an SA.
    uint32_t GetAddedPolicies() const { return m_addedPolicies; }

  protected:
    void DoDispose() override;

  private:
    SecurityAssociationConfig MakeConfig(const ChildSaParameters& parameters, bool inbound) const;
    uint32_t FindOrAddPolicy(const SelectorPair& selectors);

    ns3::Ptr<IpsecStack> m_stack;
    std::map<std::string, ns3::Ptr<ns3::NetDevice>> m_vtis;
    uint32_t m_addedPolicies = 0;
};

class IkeHelper
{
  public:
    IkeHelper();

    /// Set an attribute of the IkeEndpoint objects that Install creates.
    void SetAttribute(const std::string& name, const ns3::AttributeValue& value);

    /**
     * Install an IkeEndpoint on @p node, started at time 0 (change with SetStartTime on the
     * result). When the node has an IpsecStack, install it after IpsecHelper::Install so
     * the SAD binding and the acquire are wired. Returns the existing endpoint if there is
     * one.
     */
    ns3::Ptr<IkeEndpoint> Install(ns3::Ptr<ns3::Node> node) const;
    void Install(const ns3::NodeContainer& nodes) const;

    /// The endpoint on @p node, or nullptr.
    static ns3::Ptr<IkeEndpoint> GetEndpoint(ns3::Ptr<ns3::Node> node);

    /**
     * Add @p connectionA (its local side on gateway A) to A's endpoint and its mirror to B's:
     * addresses swapped, selectors mirrored, start action @p startActionB. Installs the
     * endpoints if needed. Returns the connection indices on A and B.
     */
    std::pair<size_t, size_t> AddConnectionPair(ns3::Ptr<ns3::Node> gatewayA,
                                                ns3::Ptr<ns3::Node> gatewayB,
                                                const IkeConnection& connectionA,
                                                IkeStartAction startActionB
                                                = IkeStartAction::None) const;

    /// @p connection seen from the peer: addresses swapped and selectors mirrored.
    static IkeConnection Mirror(const IkeConnection& connection);

    /// CHILD SAs of @p connection on @p node protect traffic routed into VTI @p device.
    static void BindVti(ns3::Ptr<ns3::Node> node, const std::string& connection,
                        ns3::Ptr<ns3::NetDevice> device);

    /// Fix the random streams of the endpoints on @p nodes; returns the streams used.
    static int64_t AssignStreams(const ns3::NodeContainer& nodes, int64_t stream);

  private:
    ns3::ObjectFactory m_factory;
};

} // namespace tunnelsim

#endif
