package dev.dhtsignal.dht.ice;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A TURN server with time-limited credentials for it, as a node hands them to a peer: the shape of an
 * RTCIceServer ({@code urls}, {@code username}, {@code credential}) plus when the credentials stop working.
 *
 * @param urls {@code turn:} or {@code turns:} URLs
 * @param username {@code EXPIRY:ID} in the TURN REST scheme
 * @param credential the password for {@code username}; never logged
 * @param expires when the TURN server stops accepting the username
 */
public record TurnServer(List<String> urls, String username, String credential, Instant expires) {
    public TurnServer {
        urls = List.copyOf(urls);
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(credential, "credential");
        Objects.requireNonNull(expires, "expires");
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("a TURN server needs at least one URL");
        }
    }

    @Override
    public String toString() {
        return "TurnServer" + urls + " username=" + username + " credential=*** expires=" + expires;
    }
}
