package dev.dhtsignal.tools.bench;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code attack-gateway}: one attack on a running {@code dht-server --http} gateway on loopback, with an
 * honest client beside it, printing one markdown row: the attack, what the attacker achieved, what the
 * honest client saw, both measured. The attackers use other addresses and networks of 127.0.0.0/8; the
 * honest client is 127.0.0.1. The attacks are those of issue 19 ({@code scripts/attack-gateway.sh}).
 */
@Command(name = "attack-gateway", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Attacks a running HTTP gateway on 127.0.0.1 and prints one markdown row of what happened.",
                "Attacks: slowloris, host-rebinding, prefix-waits, reload-lockout, cors-refusals, malformed, keepalive-latency."})
public final class GatewayAttack implements Callable<Integer> {
    private static final Duration HONEST_LIMIT = Duration.ofSeconds(30);

    @Parameters(index = "0", paramLabel = "PORT", description = "The gateway's TCP port on 127.0.0.1.")
    int port;

    @Option(names = "--attack", required = true, paramLabel = "NAME", description = "Which attack (see above).")
    String attack;

    @Option(names = "--connections", paramLabel = "N", defaultValue = "300",
            description = "slowloris: connections opened (default: ${DEFAULT-VALUE}).")
    int connections;

    private final List<HttpConnection> opened = new ArrayList<>();

    public static void main(String[] args) {
        dev.dhtsignal.cli.Logging.configure(false);
        dev.dhtsignal.cli.Cli.exitKeepingStdoutClean(dev.dhtsignal.cli.Cli.execute(new GatewayAttack(), args));
    }

    @Override
    public Integer call() throws Exception {
        try {
            String[] row = switch (attack) {
                case "slowloris" -> slowloris();
                case "host-rebinding" -> hostRebinding();
                case "prefix-waits" -> prefixWaits();
                case "reload-lockout" -> reloadLockout();
                case "cors-refusals" -> corsRefusals();
                case "malformed" -> malformed();
                case "keepalive-latency" -> keepAliveLatency();
                default -> throw new IllegalArgumentException("attack-gateway: unknown attack '" + attack + "'");
            };
            System.out.println("| " + String.join(" | ", row) + " |");
            return 0;
        } finally {
            opened.forEach(HttpConnection::close);
        }
    }

    private HttpConnection connect(String from) throws IOException {
        HttpConnection c = new HttpConnection(from, port);
        opened.add(c);
        return c;
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }

    /** An honest GET from 127.0.0.1 on a new connection: "200 in 3.1 ms", or what went wrong. */
    private String honestGet(String path, String... headers) {
        long t0 = System.nanoTime();
        try {
            HttpConnection.Answer a = connect("127.0.0.1").exchange(HttpConnection.get(port, path, headers), HONEST_LIMIT);
            return a.status() + " in " + ms(System.nanoTime() - t0);
        } catch (SocketTimeoutException e) {
            return "no answer in " + HONEST_LIMIT.toSeconds() + " s";
        } catch (IOException e) {
            return "failed after " + ms(System.nanoTime() - t0) + ": " + e.getMessage();
        }
    }

    private int stillOpen(List<HttpConnection> list) {
        int open = 0;
        for (HttpConnection c : list) {
            try {
                open += c.closedWithin(Duration.ofMillis(1)) ? 0 : 1;
            } catch (IOException e) {
                // closed
            }
        }
        return open;
    }

    private String[] slowloris() throws Exception {
        List<HttpConnection> slow = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < connections; i++) {
            HttpConnection c = connect("127.1." + (i % 10 + 1) + ".1");
            if (i % 2 == 0) {
                c.send("GET /dht/name/slow HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            }
            slow.add(c);
        }
        String honest = honestGet("/") + " (page), " + honestGet("/dht/name/slow") + " (value)";
        int open = stillOpen(slow);
        long closedAt = -1;
        while (System.nanoTime() - t0 < Duration.ofSeconds(60).toNanos()) {
            if (stillOpen(slow) == 0) {
                closedAt = System.nanoTime() - t0;
                break;
            }
            Thread.sleep(200);
        }
        return new String[] {"slowloris: " + connections + " connections from 10 /24s, half send half a request, then nothing",
                open + " held open while the honest client asked; "
                        + (closedAt < 0 ? "still open after 60 s" : "all closed by the gateway after " + seconds(closedAt)),
                honest};
    }

    private String[] hostRebinding() throws Exception {
        HttpConnection.Answer a = connect("127.0.0.1").exchange("PUT /dht/name/rebound HTTP/1.1\r\nHost: attacker.example:" + port
                + "\r\nOrigin: http://attacker.example:" + port + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 6\r\n\r\nforged",
                HONEST_LIMIT);
        String stored = honestGet("/dht/name/rebound");
        return new String[] {"DNS rebinding: PUT with Host and Origin attacker.example:P",
                "PUT answered " + a.status() + " (" + a.body().trim().split(";")[0] + ")",
                "GET of that key: " + stored + (stored.startsWith("200") ? " (the forged value)" : " (nothing stored)")};
    }

    private String[] prefixWaits() throws Exception {
        List<HttpConnection> polls = new ArrayList<>();
        int refusedConnections = 0;
        for (int a = 1; a <= 16; a++) {
            for (int i = 0; i < 32; i++) {
                try {
                    HttpConnection c = connect("127.2.0." + a);
                    c.send(HttpConnection.get(port, "/dht/name/held", "Prefer: wait=30\r\n"));
                    polls.add(c);
                } catch (IOException e) {
                    refusedConnections++;
                }
            }
        }
        Thread.sleep(2000);
        int held = 0;
        int refused = 0;
        for (HttpConnection c : polls) {
            try {
                c.read(Duration.ofMillis(5));
                refused++;
            } catch (SocketTimeoutException e) {
                held++;
            } catch (IOException closed) {
                refused++;
            }
        }
        return new String[] {"long-polls from one /24: 16 addresses x 32",
                held + " of 512 held, " + (refused + refusedConnections) + " refused",
                "long-poll wait=1 from another network: " + honestGet("/dht/name/other", "Prefer: wait=1\r\n")};
    }

    private String[] reloadLockout() throws Exception {
        List<HttpConnection> page = new ArrayList<>();
        String cap = "no cap met in 40";
        for (int i = 0; i < 40; i++) {
            HttpConnection c = connect("127.0.0.5");
            c.send(HttpConnection.get(port, "/dht/name/reload", "Prefer: wait=30\r\n"));
            page.add(c);
            try {
                HttpConnection.Answer a = c.read(Duration.ofMillis(500));
                cap = "refused (" + a.status() + ") after " + i + " held";
                break;
            } catch (SocketTimeoutException held) {
                // held, as a page's long-poll is
            }
        }
        page.forEach(HttpConnection::close);
        long t0 = System.nanoTime();
        int tries = 0;
        while (System.nanoTime() - t0 < Duration.ofSeconds(40).toNanos()) {
            long asked = System.nanoTime() - t0;
            tries++;
            HttpConnection.Answer a = connect("127.0.0.5").exchange(HttpConnection.get(port, "/dht/name/reload", "Prefer: wait=1\r\n"),
                    HONEST_LIMIT);
            if (a.status() != 429 && a.status() != 503) {
                return new String[] {"reload lock-out: a page holds its long-polls, then reloads (closes them all)",
                        "long-polls " + cap + "; all closed", "its new long-poll admitted " + (tries == 1 ? "at once (first try)"
                                : "after " + seconds(asked) + " (" + (tries - 1) + " refused)")};
            }
            Thread.sleep(200);
        }
        return new String[] {"reload lock-out: a page holds its long-polls, then reloads (closes them all)",
                "long-polls " + cap + "; all closed", "its new long-polls still refused after 40 s"};
    }

    private String[] corsRefusals() throws Exception {
        String origin = "Origin: https://peers.example\r\n";
        HttpConnection c = connect("127.0.0.1");
        int refused = 0;
        int withCors = 0;
        for (int i = 0; i < 100; i++) {
            HttpConnection.Answer a = c.exchange(HttpConnection.get(port, "/dht/name/cors", origin), HONEST_LIMIT);
            if (a.status() == 429) {
                refused++;
                withCors += a.header("Access-Control-Allow-Origin") != null ? 1 : 0;
            }
        }
        HttpConnection.Answer tooLong = connect("127.0.0.6").exchange(HttpConnection.get(port, "/dht/name/" + "x".repeat(3000), origin),
                HONEST_LIMIT);
        return new String[] {"refusals to an allowed page: 100 GETs in a row at 1/s allowed, one 3000-character address",
                refused + " answered 429, 1 answered " + tooLong.status(),
                "the page can read: " + withCors + " of " + refused + " 429s, "
                        + (tooLong.header("Access-Control-Allow-Origin") != null ? "the " : "not the ") + tooLong.status()};
    }

    private String[] malformed() throws Exception {
        List<String> requests = List.of(
                "PUT /dht/name/m HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: abc\r\n\r\nx",
                "PUT /dht/name/m HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nx\r\n0\r\n\r\n",
                "GET /dht/name/%zz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                "GET /dht/name/m HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n",
                "GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                "GET /dht/name/m HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n");
        int oneLine = 0;
        List<String> others = new ArrayList<>();
        for (String r : requests) {
            try {
                HttpConnection.Answer a = connect("127.0.0.1").exchange(r, HONEST_LIMIT);
                String type = a.header("Content-Type");
                boolean line = a.status() >= 400 && type != null && type.startsWith("text/plain") && !a.body().contains("<")
                        && a.body().indexOf('\n') == a.body().length() - 1;
                if (line) {
                    oneLine++;
                } else {
                    others.add(a.status() + " " + (type == null ? "no type" : type.split(";")[0]));
                }
            } catch (IOException e) {
                others.add("no answer");
            }
        }
        // Three malformed names, each a distinct value: one key or three refusals?
        List<String> names = List.of("%FF", "%FE", "%ED%A0%80");
        List<Integer> puts = new ArrayList<>();
        for (String n : names) {
            String body = "value " + n;
            puts.add(connect("127.0.0.1").exchange("PUT /dht/name/" + n + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain; charset=utf-8\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body, HONEST_LIMIT).status());
        }
        HttpConnection.Answer read = connect("127.0.0.1").exchange(HttpConnection.get(port, "/dht/name/%FF"), HONEST_LIMIT);
        String collision = read.status() == 200 ? "GET %FF returns '" + read.body() + "': one key" : "GET %FF: " + read.status();
        return new String[] {"malformed requests (bad length, chunk, escape, header, 9000-byte line, HTTP/9.9); names %FF %FE %ED%A0%80",
                "puts of the 3 names: " + puts + "; " + collision,
                oneLine + " of " + requests.size() + " answered with a one-line text reason" + (others.isEmpty() ? "" : "; others: " + others)};
    }

    private String[] keepAliveLatency() throws Exception {
        HttpConnection c = connect("127.0.0.1");
        long[] took = new long[200];
        for (int i = 0; i < took.length; i++) {
            long t0 = System.nanoTime();
            c.exchange(HttpConnection.get(port, "/dht/name/latency"), HONEST_LIMIT);
            took[i] = System.nanoTime() - t0;
        }
        Arrays.sort(took);
        return new String[] {"kept-alive connection: 200 GETs one after another",
                "-", "p50 " + ms(took[100]) + ", p90 " + ms(took[180]) + ", min " + ms(took[0])};
    }
}
