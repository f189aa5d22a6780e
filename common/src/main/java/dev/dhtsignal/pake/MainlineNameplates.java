package dev.dhtsignal.pake;

import dev.dhtsignal.dht.NodeId;
import dev.dhtsignal.dht.mainline.Ed25519;
import dev.dhtsignal.dht.mainline.MainlineNode;
import dev.dhtsignal.dht.mainline.MutableItem;
import dev.dhtsignal.dht.mainline.PutResult;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Nameplates on the BitTorrent Mainline DHT: each side's value is a BEP 44 mutable item whose Ed25519 key
 * pair comes from a public seed,
 *
 * <pre>
 *  seed = SHA-256("webrtc-dht-signaling/pake/v1/mainline/" + nameplate + "/offerer")   (or "/answerer")
 *  target (DHT key) = SHA-1(public key), no salt
 * </pre>
 *
 * so anyone can write them, as on the original network: the key exchange does not rely on who may write.
 * (The offer and answer that follow are items whose keys come from the exchanged key, which only the two
 * peers can sign.) A put asks for the current sequence number and writes one above it and above our clock
 * in milliseconds, so the latest write wins.
 */
public final class MainlineNameplates implements NameplateBoard {
    /**
     * The writes an exchange needs above the stored sequence number (a claim, a confirmation, a clearing, and
     * rewrites): an item with less room above it than this is treated as one that cannot be replaced.
     */
    static final long SEQ_HEADROOM = 1 << 20;

    private final MainlineNode node;
    private final Clock clock;

    public MainlineNameplates(MainlineNode node, Clock clock) {
        this.node = node;
        this.clock = clock;
    }

    /** The signing key of a nameplate's item: from a public seed, so anyone can compute it (and write the item). */
    public static Ed25519.SigningKey keyOf(int nameplate, Side side) {
        String label = "webrtc-dht-signaling/pake/v1/mainline/" + nameplate + "/" + (side == Side.OFFERER ? "offerer" : "answerer");
        try {
            return Ed25519.fromSeed(MessageDigest.getInstance("SHA-256").digest(label.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK provides SHA-256", e);
        }
    }

    static NodeId target(int nameplate, Side side) {
        return MutableItem.targetOf(keyOf(nameplate, side).publicKey(), new byte[0]);
    }

    /**
     * Writes the value with a sequence number above the stored one and our clock. When no node stores it
     * (seen on a network of nodes that had just started), the read and the write are made once more
     * before giving up: the second lookup usually finds nodes that take it. An item whose sequence number
     * leaves no room above it can never be replaced (BEP 44 nodes keep the highest): that, like a write no
     * node took, fails with a {@link NameplateBusyException}.
     */
    @Override
    public CompletableFuture<Void> put(int nameplate, Side side, byte[] value) {
        return putOnce(nameplate, side, value).thenCompose(first -> first.stored() > 0
                ? CompletableFuture.completedFuture(first)
                : putOnce(nameplate, side, value)).thenApply(result -> {
                    if (result.stored() == 0) {
                        throw new NameplateBusyException("no node of the Mainline DHT stored the value of " + describe(nameplate, side)
                                + " (" + result.tried() + " asked, twice"
                                + (result.refusals().isEmpty() ? "" : "; " + String.join("; ", result.refusals())) + ")");
                    }
                    return null;
                });
    }

    private CompletableFuture<PutResult> putOnce(int nameplate, Side side, byte[] value) {
        Ed25519.SigningKey key = keyOf(nameplate, side);
        NodeId target = MutableItem.targetOf(key.publicKey(), new byte[0]);
        return node.get(target, new byte[0]).thenCompose(found -> {
            Optional<Long> stored = found.mutable().map(MutableItem::seq);
            if (stored.isPresent() && stored.get() > Long.MAX_VALUE - SEQ_HEADROOM) {
                // Anyone can sign these items (their keys come from public seeds), so anyone can write one with
                // seq 2^63-1, which no later write can pass; seq + 1 would overflow and be refused anyway.
                throw new NameplateBusyException(describe(nameplate, side) + " holds an item with sequence number "
                        + stored.get() + ", too close to the largest for our writes to pass it: it cannot be replaced");
            }
            long seq = Math.max(clock.millis(), stored.map(s -> s + 1).orElse(0L));
            return node.put(MutableItem.sign(key, new byte[0], seq, value), Optional.empty());
        });
    }

    @Override
    public CompletableFuture<List<byte[]>> getAll(int nameplate, Side side) {
        return node.get(target(nameplate, side), new byte[0])
                .thenApply(found -> found.mutable().flatMap(MutableItem::valueBytes).map(List::of).orElse(List.of()));
    }

    @Override
    public String describe(int nameplate, Side side) {
        return "nameplate " + nameplate + " (" + (side == Side.OFFERER ? "offerer" : "answerer") + " item "
                + target(nameplate, side).shortHex() + ") on the Mainline DHT";
    }
}
