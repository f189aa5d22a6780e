package dev.dhtsignal.pake;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SPAKE2 against RFC 9382's test vectors (Appendix B), and the ways a run must go wrong. */
class Spake2Test {
    private static final HexFormat HEX = HexFormat.of();

    /** One vector of RFC 9382, Appendix B (SPAKE2-P256-SHA256-HKDF-HMAC, no AAD), as the RFC prints it. */
    record Vector(String idA, String idB, String w, String x, String y, String pA, String pB, String k, String hashTt,
                  String ke, String ka, String kcA, String kcB, String cA, String cB) {
    }

    static final List<Vector> RFC_9382 = List.of(
            new Vector("server", "client",
                    "2ee57912099d31560b3a44b1184b9b4866e904c49d12ac5042c97dca461b1a5f",
                    "43dd0fd7215bdcb482879fca3220c6a968e66d70b1356cac18bb26c84a78d729",
                    "dcb60106f276b02606d8ef0a328c02e4b629f84f89786af5befb0bc75b6e66be",
                    "04a56fa807caaa53a4d28dbb9853b9815c61a411118a6fe516a8798434751470f9010153ac33d0d5f2047ffdb1a3e42c9b4e6be662766e1eeb4116988ede5f912c",
                    "0406557e482bd03097ad0cbaa5df82115460d951e3451962f1eaf4367a420676d09857ccbc522686c83d1852abfa8ed6e4a1155cf8f1543ceca528afb591a1e0b7",
                    "0412af7e89717850671913e6b469ace67bd90a4df8ce45c2af19010175e37eed69f75897996d539356e2fa6a406d528501f907e04d97515fbe83db277b715d3325",
                    "0e0672dc86f8e45565d338b0540abe6915bdf72e2b35b5c9e5663168e960a91b",
                    "0e0672dc86f8e45565d338b0540abe69", "15bdf72e2b35b5c9e5663168e960a91b",
                    "00c12546835755c86d8c0db7851ae86f", "a9fa3406c3b781b93d804485430ca27a",
                    "58ad4aa88e0b60d5061eb6b5dd93e80d9c4f00d127c65b3b35b1b5281fee38f0",
                    "d3e2e547f1ae04f2dbdbf0fc4b79f8ecff2dff314b5d32fe9fcef2fb26dc459b"),
            new Vector("", "client",
                    "0548d8729f730589e579b0475a582c1608138ddf7054b73b5381c7e883e2efae",
                    "403abbe3b1b4b9ba17e3032849759d723939a27a27b9d921c500edde18ed654b",
                    "903023b6598908936ea7c929bd761af6039577a9c3f9581064187c3049d87065",
                    "04a897b769e681c62ac1c2357319a3d363f610839c4477720d24cbe32f5fd85f44fb92ba966578c1b712be6962498834078262caa5b441ecfa9d4a9485720e918a",
                    "04e0f816fd1c35e22065d5556215c097e799390d16661c386e0ecc84593974a61b881a8c82327687d0501862970c64565560cb5671f696048050ca66ca5f8cc7fc",
                    "048f83ec9f6e4f87cc6f9dc740bdc2769725f923364f01c84148c049a39a735ebda82eac03e00112fd6a5710682767cff5361f7e819e53d8d3c3a2922e0d837aa6",
                    null,
                    "642f05c473c2cd79909f9a841e2f30a7", "0bf89b18180af97353ba198789c2b963",
                    "c6be376fc7cd1301fd0a13adf3e7bffd", "b7243f4ae60440a49b3f8cab3c1fba07",
                    "47d29e6666af1b7dd450d571233085d7a9866e4d49d2645e2df975489521232b",
                    "3313c5cefc361d27fb16847a91c2a73b766ffa90a4839122a9b70a2f6bd1d6df"),
            new Vector("server", "",
                    "626e0cdc7b14c9db3e52a0b1b3a768c98e37852d5db30febe0497b14eae8c254",
                    "07adb3db6bc623d3399726bfdbfd3d15a58ea776ab8a308b00392621291f9633",
                    "b6a4fc8dbb629d4ba51d6f91ed1532cf87adec98f25dd153a75accafafedec16",
                    "04f88fb71c99bfffaea370966b7eb99cd4be0ff1a7d335caac4211c4afd855e2e15a873b298503ad8ba1d9cbb9a392d2ba309b48bfd7879aefd0f2cea6009763b0",
                    "040c269d6be017dccb15182ac6bfcd9e2a14de019dd587eaf4bdfd353f031101e7cca177f8eb362a6e83e7d5e729c0732e1b528879c086f39ba0f31a9661bd34db",
                    null, null,
                    "005184ff460da2ce59062c87733c299c", "3521297d736598fc0a1127600efa1afb",
                    "f3da53604f0aeecea5a33be7bddf6edf", "9e3f86848736f159bd92b6e107ec6799",
                    "bc9f9bbe99f26d0b2260e6456e05a86196a3307ec6663a18bf6ac825736533b2",
                    "c2370e1bf813b086dff0d834e74425a06e6390f48f5411900276dcccc5a297ec"),
            new Vector("", "",
                    "7bf46c454b4c1b25799527d896508afd5fc62ef4ec59db1efb49113063d70cca",
                    "8cef65df64bb2d0f83540c53632de911b5b24b3eab6cc74a97609fd659e95473",
                    "d7a66f64074a84652d8d623a92e20c9675c61cb5b4f6a0063e4648a2fdc02d53",
                    "04a65b367a3f613cf9f0654b1b28a1e3a8a40387956c8ba6063e8658563890f46ca1ef6a676598889fc28de2950ab8120b79a5ef1ea4c9f44bc98f585634b46d66",
                    "04589f13218822710d98d8b2123a079041052d9941b9cf88c6617ddb2fcc0494662eea8ba6b64692dc318250030c6af045cb738bc81ba35b043c3dcb46adf6f58d",
                    null, null,
                    "fc6374762ba5cf11f4b2caa08b2cd1b9", "907ae0e26e8d6234318d91583cd74c86",
                    "5dbd2f477166b7fb6d61febbd77a5563", "7689b4654407a5faeffdc8f18359d8a3",
                    "dfb4db8d48ae5a675963ea5e6c19d98d4ea028d8e898dad96ea19a80ade95dca",
                    "d0f0609d1613138d354f7e95f19fb556bf52d751947241e8c7118df5ef0ae175"));

    private static BigInteger scalar(String hex) {
        return new BigInteger(hex, 16);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void everyVectorOfRfc9382GivesItsMessagesKeysAndConfirmations() throws Exception {
        for (Vector v : RFC_9382) {
            String name = "A='" + v.idA() + "', B='" + v.idB() + "'";
            Spake2 a = Spake2.startWithScalar(Spake2.Role.A, scalar(v.w()), scalar(v.x()));
            Spake2 b = Spake2.startWithScalar(Spake2.Role.B, scalar(v.w()), scalar(v.y()));
            assertEquals(v.pA(), HEX.formatHex(a.message()), name + ": pA");
            assertEquals(v.pB(), HEX.formatHex(b.message()), name + ": pB");
            Spake2.Keys ka = a.finish(b.message(), bytes(v.idA()), bytes(v.idB()), new byte[0]);
            Spake2.Keys kb = b.finish(a.message(), bytes(v.idA()), bytes(v.idB()), new byte[0]);
            for (Spake2.Keys keys : List.of(ka, kb)) {
                assertEquals(v.ke(), HEX.formatHex(keys.sharedKey()), name + ": Ke");
                assertEquals(v.ka(), HEX.formatHex(keys.ka()), name + ": Ka");
                assertEquals(v.kcA(), HEX.formatHex(keys.kcA()), name + ": KcA");
                assertEquals(v.kcB(), HEX.formatHex(keys.kcB()), name + ": KcB");
                assertEquals(v.cA(), HEX.formatHex(keys.cA()), name + ": cA");
                assertEquals(v.cB(), HEX.formatHex(keys.cB()), name + ": cB");
            }
            if (v.k() != null) {
                byte[] tt = Spake2.transcript(bytes(v.idA()), bytes(v.idB()), HEX.parseHex(v.pA()), HEX.parseHex(v.pB()),
                        HEX.parseHex(v.k()), Spake2.fixedLength(scalar(v.w())));
                assertArrayEquals(tt, ka.transcript(), name + ": TT holds K as the RFC gives it");
            }
            if (v.hashTt() != null) {
                assertEquals(v.hashTt(), HEX.formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(ka.transcript())));
            }
            assertTrue(ka.confirms(kb.ourConfirmation()), name + ": A accepts cB");
            assertTrue(kb.confirms(ka.ourConfirmation()), name + ": B accepts cA");
        }
    }

    @Test
    void theFirstVectorsTranscriptIsByteForByteTheRfcs() throws Exception {
        Vector v = RFC_9382.get(0);
        Spake2.Keys keys = Spake2.startWithScalar(Spake2.Role.A, scalar(v.w()), scalar(v.x()))
                .finish(HEX.parseHex(v.pB()), bytes("server"), bytes("client"), new byte[0]);
        assertEquals("0600000000000000" + "736572766572" + "0600000000000000" + "636c69656e74"
                + "4100000000000000" + v.pA() + "4100000000000000" + v.pB() + "4100000000000000" + v.k()
                + "2000000000000000" + v.w(), HEX.formatHex(keys.transcript()));
    }

    @Test
    void theCurveIsP256AndMAndNAreTheRfcsPoints() {
        assertEquals(PasswordScalar.ORDER, Spake2.ORDER, "the password scalar reduces modulo P-256's order");
        assertEquals("02886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12f", HEX.formatHex(Spake2.M.getEncoded(true)));
        assertEquals("03d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f98baa1292b49", HEX.formatHex(Spake2.N.getEncoded(true)));
        assertTrue(Spake2.P.multiply(Spake2.ORDER).isInfinity(), "P has the curve's order");
    }

    @Test
    void differentPasswordsGiveDifferentKeysAndConfirmationsThatDoNotVerify() throws Exception {
        SecureRandom random = new SecureRandom();
        Spake2 a = Spake2.start(Spake2.Role.A, BigInteger.valueOf(1234567), random);
        Spake2 b = Spake2.start(Spake2.Role.B, BigInteger.valueOf(1234568), random);
        Spake2.Keys ka = a.finish(b.message(), new byte[0], new byte[0], new byte[0]);
        Spake2.Keys kb = b.finish(a.message(), new byte[0], new byte[0], new byte[0]);
        assertFalse(java.util.Arrays.equals(ka.sharedKey(), kb.sharedKey()));
        assertFalse(ka.confirms(kb.ourConfirmation()));
        assertFalse(kb.confirms(ka.ourConfirmation()));
    }

    @Test
    void theSamePasswordAgreesAndEveryRunHasFreshMessagesAndKeys() throws Exception {
        SecureRandom random = new SecureRandom();
        BigInteger w = BigInteger.valueOf(987654321);
        byte[] aad = bytes("context");
        Spake2.Keys first = null;
        for (int run = 0; run < 2; run++) {
            Spake2 a = Spake2.start(Spake2.Role.A, w, random);
            Spake2 b = Spake2.start(Spake2.Role.B, w, random);
            Spake2.Keys ka = a.finish(b.message(), bytes("A"), bytes("B"), aad);
            Spake2.Keys kb = b.finish(a.message(), bytes("A"), bytes("B"), aad);
            assertArrayEquals(ka.sharedKey(), kb.sharedKey());
            assertTrue(ka.confirms(kb.ourConfirmation()) && kb.confirms(ka.ourConfirmation()));
            if (first != null) {
                assertFalse(java.util.Arrays.equals(first.sharedKey(), ka.sharedKey()), "ephemeral scalars: a new key each run");
            }
            first = ka;
        }
    }

    @Test
    void aDifferentAadGivesConfirmationsThatDoNotVerify() throws Exception {
        SecureRandom random = new SecureRandom();
        BigInteger w = BigInteger.valueOf(42);
        Spake2 a = Spake2.start(Spake2.Role.A, w, random);
        Spake2 b = Spake2.start(Spake2.Role.B, w, random);
        Spake2.Keys ka = a.finish(b.message(), new byte[0], new byte[0], bytes("session 1"));
        Spake2.Keys kb = b.finish(a.message(), new byte[0], new byte[0], bytes("session 2"));
        assertFalse(kb.confirms(ka.ourConfirmation()));
    }

    @Test
    void messagesThatAreNotPointsOrCancelThePasswordAreRefused() throws Exception {
        BigInteger w = BigInteger.valueOf(5);
        Spake2 a = Spake2.start(Spake2.Role.A, w, new SecureRandom());
        byte[] offCurve = new byte[65];
        offCurve[0] = 4;
        offCurve[64] = 1;
        byte[] wN = Spake2.N.multiply(w).normalize().getEncoded(false);  // S - w*N would be the identity
        for (byte[] bad : List.of(new byte[0], new byte[] {0}, offCurve, Spake2.M.getEncoded(true), wN)) {
            assertThrows(Spake2.InvalidMessage.class, () -> a.finish(bad, new byte[0], new byte[0], new byte[0]),
                    HEX.formatHex(bad));
        }
    }
}
