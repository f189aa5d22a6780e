package dev.dhtsignal.signal;

import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.mainline.Ed25519;
import dev.dhtsignal.dht.mainline.GetResult;
import dev.dhtsignal.dht.mainline.MainlineNode;
import dev.dhtsignal.dht.mainline.MutableItem;
import java.time.Clock;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link SignalBoard} on the BitTorrent Mainline DHT: each name is a BEP 44 mutable item whose signing key
 * and salt are derived from the session's shared secret.
 *
 * <pre>
 * seed = SharedSecret.derive("mainline/" + name + "/ed25519")          the item's Ed25519 private key
 * salt = first 16 bytes of SharedSecret.derive("mainline/" + name + "/salt")
 * target (DHT key) = SHA-1(public key + salt)
 * </pre>
 *
 * Only holders of the secret can sign, so nobody else can overwrite the item (DHT nodes check the
 * signature); the target reveals neither the secret nor the name. Sequence numbers are the writer's clock
 * in milliseconds (and above any seq already seen), so the latest write wins.
 */
public final class MainlineBoard implements SignalBoard {
    private static final int SALT_LENGTH = 16;

    private final MainlineNode node;
    private final SharedSecret secret;
    private final Clock clock;
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();

    private record Slot(Ed25519.SigningKey key, byte[] salt, NodeId target) {
    }

    public MainlineBoard(MainlineNode node, SharedSecret secret, Clock clock) {
        this.node = node;
        this.secret = secret;
        this.clock = clock;
    }

    private Slot slot(String name) {
        return slots.computeIfAbsent(name, n -> {
            Ed25519.SigningKey key = Ed25519.fromSeed(secret.derive("mainline/" + n + "/ed25519"));
            byte[] salt = Arrays.copyOf(secret.derive("mainline/" + n + "/salt"), SALT_LENGTH);
            return new Slot(key, salt, MutableItem.targetOf(key.publicKey(), salt));
        });
    }

    @Override
    public int maxValueBytes() {
        // The value is a byte string: its length prefix ("996:") counts against BEP 44's 1000 bytes.
        return MutableItem.MAX_VALUE_BYTES - 4;
    }

    @Override
    public CompletableFuture<Void> put(String name, byte[] value) {
        Slot s = slot(name);
        // The put's own lookup finds the current seq too, but it is needed before signing.
        return node.get(s.target(), s.salt()).thenCompose(found -> {
            long seq = Math.max(clock.millis(), found.mutable().map(m -> m.seq() + 1).orElse(0L));
            MutableItem item = MutableItem.sign(s.key(), s.salt(), seq, value);
            return node.put(item, Optional.empty());
        }).thenApply(result -> {
            if (result.stored() == 0) {
                throw new SignalingException("no node of the Mainline DHT stored the " + name + " (" + result.tried()
                        + " asked" + (result.refusals().isEmpty() ? "" : ": " + result.refusals()) + ")");
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<Optional<byte[]>> get(String name) {
        Slot s = slot(name);
        return node.get(s.target(), s.salt()).thenApply(GetResult::mutable)
                .thenApply(item -> item.flatMap(MutableItem::valueBytes));
    }

    @Override
    public NodeId keyOf(String name) {
        return slot(name).target();
    }

    @Override
    public String describe(String name) {
        return "the Mainline DHT (" + name + " item " + keyOf(name).shortHex() + ")";
    }
}
