package dev.dhtsignal.dht.mainline;

import dev.dhtsignal.dht.NodeId;
import java.util.Arrays;

/** A BEP 44 immutable item: any bencoded value, stored under the SHA-1 of its encoding. */
public record ImmutableItem(Object value) {
    public ImmutableItem {
        int size = Bencoding.encodeValue(value).length;
        if (size > MutableItem.MAX_VALUE_BYTES) {
            throw new IllegalArgumentException("the value bencodes to " + size + " bytes; BEP 44 allows "
                    + MutableItem.MAX_VALUE_BYTES);
        }
    }

    public NodeId target() {
        return NodeId.of(MutableItem.sha1(Bencoding.encodeValue(value)));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImmutableItem i && Arrays.equals(Bencoding.encodeValue(value), Bencoding.encodeValue(i.value));
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(Bencoding.encodeValue(value));
    }
}
