package dev.dhtsignal.cli;

import dev.dhtsignal.dht.Endpoints;
import java.net.InetSocketAddress;
import picocli.CommandLine;

/** Reads {@code host:port} (or {@code [v6]:port}) and resolves the host, naming the text when it cannot. */
public final class EndpointConverter implements CommandLine.ITypeConverter<InetSocketAddress> {
    @Override
    public InetSocketAddress convert(String text) {
        try {
            return Endpoints.parseAndResolve(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
