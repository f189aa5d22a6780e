package dev.dhtsignal.pake;

import dev.dhtsignal.dht.DhtNode;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.dht.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Nameplates on the original network: the offerer's value of nameplate 7 is stored under the SHA-1 of
 * {@code "<offer key name>/pake/v1/7"} ({@code webrtc-offer/pake/v1/7} by default), the answerer's under
 * {@code "<answer key name>/pake/v1/7"}, as MessagePack bins. The names are public; so are these keys.
 */
public final class KademliaNameplates implements NameplateBoard {
    private final DhtNode node;
    private final String offerName;
    private final String answerName;
    private final String where;

    public KademliaNameplates(DhtNode node, String offerName, String answerName, String where) {
        this.node = node;
        this.offerName = offerName;
        this.answerName = answerName;
        this.where = where;
    }

    /** The DHT key of a nameplate's value: a public function of the nameplate, as anyone may compute it. */
    public NodeId key(int nameplate, Side side) {
        return NodeId.digestOf((side == Side.OFFERER ? offerName : answerName) + "/pake/v1/" + nameplate);
    }

    @Override
    public CompletableFuture<Void> put(int nameplate, Side side, byte[] value) {
        DhtValue v = value.length == 0 ? DhtValue.text("") : DhtValue.bytes(value);
        // Any node may refuse a store (its quotas, a full store); when none took it the key is not ours to use.
        return node.putDigest(key(nameplate, side), v).handle((outcome, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                throw new NameplateBusyException("the value of " + describe(nameplate, side) + " was not stored: " + cause.getMessage());
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<List<byte[]>> getAll(int nameplate, Side side) {
        return node.getAllDigest(key(nameplate, side)).thenApply(values -> {
            List<byte[]> out = new ArrayList<>();
            for (DhtValue v : values) {
                if (v.kind() == DhtValue.Kind.BYTES) {
                    out.add(v.asBytes());
                } else if (v.kind() == DhtValue.Kind.TEXT && v.asText().isEmpty()) {
                    out.add(new byte[0]);
                }
                // Anything else is junk that no peer of ours wrote; it is as good as nothing.
            }
            return out;
        });
    }

    @Override
    public String describe(int nameplate, Side side) {
        return "nameplate " + nameplate + " (" + (side == Side.OFFERER ? "offerer" : "answerer") + " key "
                + key(nameplate, side).shortHex() + ") on " + where;
    }
}
