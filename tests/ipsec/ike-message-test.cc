// IKE message codec: the header is byte-exact to the RFC 7296 s3.1 layout, every payload
// body round-trips, the SK payload is framed and checked, and malformed messages are
// rejected with their typed reason.
#include "ike-message.h"

#include <gtest/gtest.h>

namespace tunnelsim
{
namespace
{

Bytes
Hex(const std::string& hex)
{
    auto bytes = FromHex(hex);
    EXPECT_TRUE(bytes.has_value()) << hex;
    return bytes.value_or(Bytes{});
}

IkeMessage
InitRequestWithNonce()
{
    IkeMessage message;
    message.header.initiatorSpi = 0x0102030405060708ULL;
    message.header.exchangeType = static_cast<uint8_t>(IkeExchange::IkeSaInit);
    message.header.flags = kFlagInitiator;
    message.payloads.push_back({kPayloadNonce, false, Hex("aabb")});
    return message;
}

TEST(IkeHeader, EncodesRfcLayout)
{
    // SPIi, SPIr = 0, Next Payload 40 (Nonce), version 2.0, exchange 34, flags I, message
    // ID 0, length 28 + 6; then the Nonce payload: next none, not critical, length 6.
    const std::string expected = "0102030405060708"
                                 "0000000000000000"
                                 "28202208"
                                 "00000000"
                                 "00000022"
                                 "00000006aabb";

    EXPECT_EQ(ToHex(EncodeIkeMessage(InitRequestWithNonce(), nullptr)), expected);
}

TEST(IkeHeader, EncodesIkev1MainMode)
{
    IkeMessage message;
    message.header.version = kIkeV1VersionOctet;
    message.header.initiatorSpi = 0x1111111111111111ULL;
    message.header.responderSpi = 0x2222222222222222ULL;
    message.header.exchangeType = static_cast<uint8_t>(IkeExchange::MainMode);
    message.payloads.push_back({kPayloadV1Nonce, false, Hex("01020304")});
    message.encrypted = true;
    IkeProtection protection;
    protection.blockSize = 16;

    const Bytes bytes = EncodeIkeMessage(message, &protection);

    // Next Payload 10, version 1.0, exchange 2, flags E; the body (8 bytes) is padded to
    // one 16-byte block (RFC 2409 Appendix B).
    EXPECT_EQ(ToHex(ByteView(bytes).Sub(16, 12)), "0a100201"
                                                  "00000000"
                                                  "0000002c");
    EXPECT_EQ(bytes.size(), kIkeHeaderSize + 16);
}

TEST(IkeHeader, DecodesFields)
{
    const Bytes bytes = EncodeIkeMessage(InitRequestWithNonce(), nullptr);

    auto header = DecodeIkeHeader(bytes);

    ASSERT_TRUE(header.Ok()) << ToString(header.Error());
    EXPECT_EQ(header.Value().initiatorSpi, 0x0102030405060708ULL);
    EXPECT_EQ(header.Value().responderSpi, 0u);
    EXPECT_EQ(header.Value().nextPayload, kPayloadNonce);
    EXPECT_EQ(header.Value().Version(), IkeVersion::V2);
    EXPECT_EQ(header.Value().exchangeType, static_cast<uint8_t>(IkeExchange::IkeSaInit));
    EXPECT_EQ(header.Value().flags, kFlagInitiator);
    EXPECT_FALSE(header.Value().IsResponse());
    EXPECT_EQ(header.Value().length, 34u);
}

struct RejectCase
{
    std::string name;
    std::string hex;
    DecodeError error;
};

TEST(IkeMessageDecode, RejectsMalformed)
{
    const std::string spis = "01020304050607080000000000000000";
    const RejectCase cases[] = {
        {"header cut short", spis + "282022080000", DecodeError::Truncated},
        {"version 3",
         spis
             + "28302208"
               "00000000"
               "0000001c",
         DecodeError::UnsupportedVersion},
        {"length below header",
         spis
             + "00202208"
               "00000000"
               "00000010",
         DecodeError::BadLength},
        {"length past datagram",
         spis
             + "00202208"
               "00000000"
               "00000040",
         DecodeError::Truncated},
        {"length short of datagram",
         spis
             + "00202208"
               "00000000"
               "0000001c"
               "00",
         DecodeError::BadLength},
        {"payload length below 4",
         spis
             + "28202208"
               "00000000"
               "00000020"
               "00000002",
         DecodeError::BadLength},
        {"payload past message",
         spis
             + "28202208"
               "00000000"
               "00000022"
               "00000009aabb",
         DecodeError::Truncated},
        {"chain names missing payload",
         spis
             + "28202208"
               "00000000"
               "00000022"
               "28000006aabb",
         DecodeError::Truncated},
        {"bytes after chain",
         spis
             + "28202208"
               "00000000"
               "00000024"
               "00000006aabbccdd",
         DecodeError::BadLength},
        {"sk without keys",
         spis
             + "2e202308"
               "00000001"
               "00000024"
               "28000008aabbccdd",
         DecodeError::UnknownSpi},
    };
    for (const auto& c : cases)
    {
        auto decoded = DecodeIkeMessage(Hex(c.hex), nullptr);
        ASSERT_FALSE(decoded.Ok()) << c.name;
        EXPECT_EQ(ToString(decoded.Error()), ToString(c.error)) << c.name;
    }
}

IkeProtection
TestProtection(uint8_t keyByte)
{
    IkeSuite suite; // aes128-sha256-modp2048
    return IkeProtection::ForSuite(suite, Bytes(32, keyByte));
}

IkeMessage
AuthRequest()
{
    IkeMessage message;
    message.header.initiatorSpi = 0x0102030405060708ULL;
    message.header.responderSpi = 0x1112131415161718ULL;
    message.header.exchangeType = static_cast<uint8_t>(IkeExchange::IkeAuth);
    message.header.flags = kFlagInitiator;
    message.header.messageId = 1;
    message.encrypted = true;
    message.payloads.push_back({kPayloadIdi, false, Hex("01000000c0000201")});
    message.payloads.push_back(
        {kPayloadAuth, false, EncodeAuthPayload(kAuthSharedKeyMic, Bytes(32, 7))});
    return message;
}

TEST(IkeSkPayload, FramesIvPaddingAndIcv)
{
    const IkeProtection protection = TestProtection(0x42);

    const Bytes bytes = EncodeIkeMessage(AuthRequest(), &protection);

    // Inner payloads: 4 + 8 and 4 + 36 bytes = 52; with the pad length octet padded to 64.
    const size_t inner = 52;
    const size_t padded = 64;
    EXPECT_EQ(bytes.size(), kIkeHeaderSize + kGenericPayloadHeaderSize + 16 + padded + 16);
    EXPECT_EQ(bytes[16], kPayloadSk);
    EXPECT_EQ(bytes[kIkeHeaderSize], kPayloadIdi); // SK's Next Payload: first inner payload
    EXPECT_EQ(bytes[bytes.size() - 16 - 1], padded - inner - 1); // pad length
}

TEST(IkeSkPayload, RoundTrips)
{
    const IkeProtection protection = TestProtection(0x42);
    const IkeMessage original = AuthRequest();

    auto decoded = DecodeIkeMessage(EncodeIkeMessage(original, &protection), &protection);

    ASSERT_TRUE(decoded.Ok()) << ToString(decoded.Error());
    EXPECT_TRUE(decoded.Value().encrypted);
    ASSERT_EQ(decoded.Value().payloads.size(), 2u);
    EXPECT_EQ(decoded.Value().payloads[0].type, kPayloadIdi);
    EXPECT_EQ(decoded.Value().payloads[0].body, original.payloads[0].body);
    EXPECT_EQ(decoded.Value().payloads[1].type, kPayloadAuth);
    EXPECT_EQ(decoded.Value().payloads[1].body, original.payloads[1].body);
}

TEST(IkeSkPayload, RejectsFlippedByte)
{
    const IkeProtection protection = TestProtection(0x42);
    Bytes bytes = EncodeIkeMessage(AuthRequest(), &protection);
    bytes[kIkeHeaderSize + 30] ^= 0x01;

    auto decoded = DecodeIkeMessage(bytes, &protection);

    ASSERT_FALSE(decoded.Ok());
    EXPECT_EQ(decoded.Error(), DecodeError::BadIcv);
}

TEST(IkeSkPayload, RejectsWrongKey)
{
    const IkeProtection sender = TestProtection(0x42);
    const IkeProtection receiver = TestProtection(0x43);

    auto decoded = DecodeIkeMessage(EncodeIkeMessage(AuthRequest(), &sender), &receiver);

    ASSERT_FALSE(decoded.Ok());
    EXPECT_EQ(decoded.Error(), DecodeError::BadIcv);
}

TEST(IkeSaPayload, Ikev2ProposalLayout)
{
    SaProposal proposal;
    proposal.protocolId = kProtocolEsp;
    proposal.spi = SpiBytes(0xc0010203);
    proposal.transforms = EspV2Transforms(*ParseEspSuite("aes-gcm-128"), DhGroup::None, false);

    const Bytes body = EncodeSaPayload(IkeVersion::V2, {proposal});

    // Proposal: last, length 8 + 4 + 12 + 8 = 32, number 1, ESP, SPI size 4, 2 transforms.
    // ENCR_AES_GCM_16 (20) with Key Length 128 (TV attribute 0x800e), then ESN none.
    EXPECT_EQ(ToHex(body), "00000020"
                           "01030402"
                           "c0010203"
                           "0300000c"
                           "01000014"
                           "800e0080"
                           "00000008"
                           "05000000");
}

TEST(IkeSaPayload, RoundTripsBothVersions)
{
    IkeSuite ikeSuite;
    const EspSuite espSuite = *ParseEspSuite("aes-cbc-256-hmac-sha256-128");
    for (IkeVersion version : {IkeVersion::V1, IkeVersion::V2})
    {
        SaProposal proposal;
        if (version == IkeVersion::V2)
        {
            proposal.transforms = IkeV2Transforms(ikeSuite);
        }
        else
        {
            proposal.transforms = {IkeV1Transform(ikeSuite, 86400),
                                   EspV1Transform(espSuite, DhGroup::Modp2048, 3600)};
        }

        auto decoded = DecodeSaPayload(version, EncodeSaPayload(version, {proposal, proposal}));

        ASSERT_TRUE(decoded.Ok()) << ToString(version) << " " << ToString(decoded.Error());
        ASSERT_EQ(decoded.Value().size(), 2u) << ToString(version);
        EXPECT_EQ(decoded.Value()[1].transforms, proposal.transforms) << ToString(version);
    }
}

TEST(IkeSaPayload, RejectsTransformPastProposal)
{
    // Proposal claims 1 transform of length 12 but holds only 8 bytes after the fixed part.
    const Bytes body = Hex("00000010"
                           "01010001"
                           "0000000c"
                           "01000014");

    auto decoded = DecodeSaPayload(IkeVersion::V2, body);

    ASSERT_FALSE(decoded.Ok());
    EXPECT_EQ(decoded.Error(), DecodeError::Truncated);
}

TEST(IkeSuiteMapping, TransformsRoundTrip)
{
    for (const char* name :
         {"aes128-sha256-modp2048", "aes256-sha1-ecp256", "aes128gcm16-prfsha256-x25519",
          "aes256gcm16-prfsha1-ecp384", "aes128-sha256-prfsha1-modp3072"})
    {
        auto suite = ParseIkeSuite(name);
        ASSERT_TRUE(suite.has_value()) << name;
        EXPECT_EQ(suite->Name(), name);
        EXPECT_EQ(IkeSuiteFromV2(IkeV2Transforms(*suite)), suite) << name;
    }
    for (const EspSuite& suite : AllEspSuites())
    {
        auto terms = EspTermsFromV2(EspV2Transforms(suite, DhGroup::Ecp256, true));
        ASSERT_TRUE(terms.has_value()) << suite.Name();
        EXPECT_EQ(terms->suite, suite);
        EXPECT_EQ(terms->pfs, DhGroup::Ecp256);
        EXPECT_TRUE(terms->esn);
    }
}

TEST(IkeSuiteMapping, RejectsInvalidNames)
{
    for (const char* name : {"aes128", "aes128-modp2048", "aes128gcm16-sha256-modp2048",
                             "des-sha1-modp1024", "aes128-sha256-modp9999"})
    {
        EXPECT_FALSE(ParseIkeSuite(name).has_value()) << name;
    }
}

TEST(IkeTsPayload, RoundTripsAndRejects)
{
    const std::vector<TrafficSelector> selectors
        = {*ParseTrafficSelector("10.1.0.0/24"), *ParseTrafficSelector("192.0.2.1/proto=47")};

    const Bytes body = EncodeTsPayload(selectors);
    auto decoded = DecodeTsPayload(body);

    ASSERT_TRUE(decoded.Ok());
    EXPECT_EQ(decoded.Value(), selectors);
    EXPECT_EQ(ToHex(ByteView(body).Sub(4, 16)), "07000010"
                                                "0000ffff"
                                                "0a010000"
                                                "0a0100ff");

    Bytes reversed = body;
    std::swap(reversed[15], reversed[19]); // start address above end address
    EXPECT_FALSE(DecodeTsPayload(reversed).Ok());
    Bytes cut(body.begin(), body.end() - 1);
    EXPECT_FALSE(DecodeTsPayload(cut).Ok());
}

TEST(IkeIdPayload, QuickModeIdentities)
{
    struct Case
    {
        std::string selector;
        uint8_t type;
        std::string data;
    };
    const Case cases[] = {
        {"10.1.0.0/24", kIdIpv4AddressSubnet, "0a010000ffffff00"},
        {"192.0.2.1", kIdIpv4Address, "c0000201"},
        {"10.1.0.5-10.1.0.9", kIdIpv4AddressRange, "0a0100050a010009"},
        {"0.0.0.0/0", kIdIpv4AddressSubnet, "0000000000000000"},
    };
    for (const auto& c : cases)
    {
        const TrafficSelector selector = *ParseTrafficSelector(c.selector);
        const IdPayload id = SelectorToIdPayload(selector);
        EXPECT_EQ(id.type, c.type) << c.selector;
        EXPECT_EQ(ToHex(id.data), c.data) << c.selector;
        EXPECT_EQ(IdPayloadToSelector(id), selector) << c.selector;
    }
    IdPayload holes{kIdIpv4AddressSubnet, 0, 0, Hex("0a010000ff00ff00")};
    EXPECT_FALSE(IdPayloadToSelector(holes).has_value());
}

TEST(IkeNotifyPayload, Ikev1HasDoi)
{
    NotifyPayload notify{kProtocolEsp, SpiBytes(0x01020304),
                         static_cast<uint16_t>(NotifyType::InvalidIdInformation), Hex("ff")};

    const Bytes v1 = EncodeNotifyPayload(IkeVersion::V1, notify);
    const Bytes v2 = EncodeNotifyPayload(IkeVersion::V2, notify);

    EXPECT_EQ(ToHex(v1), "00000001"
                         "03040012"
                         "01020304"
                         "ff");
    EXPECT_EQ(ToHex(v2), "03040012"
                         "01020304"
                         "ff");
    auto decoded = DecodeNotifyPayload(IkeVersion::V1, v1);
    ASSERT_TRUE(decoded.Ok());
    EXPECT_EQ(decoded.Value().type, notify.type);
    EXPECT_EQ(decoded.Value().spi, notify.spi);
    EXPECT_EQ(decoded.Value().data, notify.data);
}

TEST(IkeDeletePayload, RejectsCountMismatch)
{
    DeletePayload deletion;
    deletion.spis = {SpiBytes(1), SpiBytes(2)};
    Bytes body = EncodeDeletePayload(IkeVersion::V2, deletion);

    ASSERT_TRUE(DecodeDeletePayload(IkeVersion::V2, body).Ok());
    body[3] = 3; // claims three SPIs
    auto decoded = DecodeDeletePayload(IkeVersion::V2, body);
    ASSERT_FALSE(decoded.Ok());
    EXPECT_EQ(decoded.Error(), DecodeError::BadLength);
}

} // namespace
} // namespace tunnelsim
