package dev.dhtsignal.pake;

import dev.dhtsignal.signal.SignalFormat;
import dev.dhtsignal.dht.DhtValue;
import dev.dhtsignal.signal.board.BoardName;
import dev.dhtsignal.signal.board.SignalBoard;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

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

    @Override
    public CompletableFuture<Void> put(int nameplate, Side side, byte[] value) {
        return value.length == 0 ? board.clear(name(nameplate, side)) : board.put(name(nameplate, side), DhtValue.bytes(value));
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

    @Override
    public String describe(int nameplate, Side side) {
        return board.describe(name(nameplate, side)) + " on " + board.where();
    }
}
