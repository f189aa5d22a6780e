package dev.dhtsignal.pake;

import dev.dhtsignal.signal.SignalFormat;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.signal.board.BoardName;
import dev.dhtsignal.signal.board.SignalBoard;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The nameplates of a {@link SignalBoard}, whichever network it is on: each side's value of nameplate n
 * under the board's public name for it. Values are bytes; anything else found there is junk that no
 * peer of ours wrote, as good as nothing.
 */
public final class BoardNameplates implements NameplateBoard {
    private final SignalBoard board;

    public BoardNameplates(SignalBoard board) {
        this.board = board;
    }

    private static BoardName name(int nameplate, Side side) {
        return BoardName.nameplate(nameplate, side == Side.OFFERER ? BoardName.Side.OFFERER : BoardName.Side.ANSWERER);
    }

    /**
     * Any failure of the write (nodes refused it, none took it, or the key holds what can never be replaced)
     * is a {@link NameplateBusyException}: what the key holds is then out of our hands.
     */
    @Override
    public CompletableFuture<Void> put(int nameplate, Side side, byte[] value) {
        BoardName name = name(nameplate, side);
        CompletableFuture<Void> write = value.length == 0 ? board.clear(name) : board.put(name, DhtValue.bytes(value));
        return write.handle((ok, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                throw cause instanceof NameplateBusyException busy ? busy
                        : new NameplateBusyException("the value of " + describe(nameplate, side) + " was not stored: "
                                + cause.getMessage());
            }
            return null;
        });
    }

    @Override
    public void lookAhead(int nameplate, Side side) {
        board.lookAhead(name(nameplate, side));
    }

    @Override
    public CompletableFuture<List<byte[]>> getAll(int nameplate, Side side) {
        return board.getAll(name(nameplate, side)).thenApply(values -> {
            List<byte[]> out = new ArrayList<>();
            for (DhtValue v : values) {
                if (SignalFormat.isCleared(v)) {
                    out.add(new byte[0]);
                } else if (v.kind() == DhtValue.Kind.BYTES) {
                    out.add(v.asBytes());
                }
            }
            return out;
        });
    }

    /** The DHT key of a nameplate's value: a public function of the nameplate, as anyone may compute it. */
    public dev.dhtsignal.dht.NodeId keyOf(int nameplate, Side side) {
        return board.keyOf(name(nameplate, side));
    }

    @Override
    public String describe(int nameplate, Side side) {
        return board.describe(name(nameplate, side)) + " on " + board.where();
    }
}
