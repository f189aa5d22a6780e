package dev.dhtsignal.answerer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dhtsignal.dht.kademlia.KademliaConfig;
import dev.dhtsignal.dht.kademlia.KademliaNode;
import dev.dhtsignal.pake.BoardNameplates;
import dev.dhtsignal.signal.board.KademliaBoard;
import dev.dhtsignal.pake.NameplateBoard;
import dev.dhtsignal.pake.PakeHandshake;
import dev.dhtsignal.pake.PakeMessage;
import dev.dhtsignal.pake.ShortCode;
import dev.dhtsignal.pake.SpentCodes;
import dev.dhtsignal.pake.WrongCodeException;
import dev.dhtsignal.testing.ProgramProcess;
import dev.dhtsignal.testing.TerminalProcess;
import dev.dhtsignal.testing.Transcripts;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Short session codes with the real programs: two peers meet with a code like 7-guitarist-revenge, and a
 * man in the middle who knows everything but the two words (the nameplate, the protocol, the keys) makes
 * both of them fail with the wrong-code message.
 */
class ShortCodeIT {
    private static final Duration RUN_LIMIT = Duration.ofSeconds(90);
    private static final Pattern READY = Pattern.compile("DHT Server running on port (\\d+)");
    private static final Pattern CODE = Pattern.compile("Session code: (\\d+-[a-z]+-[a-z]+)");
    private static final String WRONG = "wrong code, or someone interfered: start again with a new code";

    private ProgramProcess server;
    private String dht;
    private int port;
    private final List<ProgramProcess> started = new ArrayList<>();
    private KademliaNode intruder;

    @BeforeEach
    void startServer() throws Exception {
        server = ProgramProcess.start("dht-server", "--port", "0", "--bind", "127.0.0.1");
        Matcher m = READY.matcher(server.awaitLine("the ready line", Duration.ofSeconds(30), l -> READY.matcher(l).matches()));
        assertTrue(m.matches());
        port = Integer.parseInt(m.group(1));
        dht = "127.0.0.1:" + port;
    }

    @AfterEach
    void stopAll() {
        started.forEach(ProgramProcess::close);
        if (intruder != null) {
            intruder.close();
        }
        server.close();
    }

    private ProgramProcess start(String program, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--dht", dht));
        all.addAll(List.of(args));
        ProgramProcess p = ProgramProcess.start(program, all.toArray(String[]::new));
        started.add(p);
        return p;
    }

    private static ShortCode printedCode(ProgramProcess offerer) {
        String line = offerer.awaitLine("the session code", RUN_LIMIT, l -> CODE.matcher(l).matches());
        Matcher m = CODE.matcher(line);
        assertTrue(m.matches());
        return ShortCode.parse(m.group(1));
    }

    @Test
    void aStoppedOffererClearsItsClaimSoAnAnswererDoesNotWaitOnAGonePeer() throws Exception {
        ProgramProcess offerer = start("offerer", "--session");
        ShortCode code = printedCode(offerer);
        offerer.terminate();
        assertEquals(143, offerer.awaitExit(RUN_LIMIT), offerer.transcript());
        assertTrue(!offerer.stdoutLines().toString().contains("attach") && !offerer.stderr().contains("attach"),
                "no native noise\n" + offerer.transcript());
        // Had the claim stayed, this answerer would reply to it and wait for a confirmation that never comes.
        ProgramProcess answerer = start("answerer", "--session", code.toString(), "--timeout", "3s");
        assertEquals(1, answerer.awaitExit(RUN_LIMIT), answerer.transcript());
        assertTrue(answerer.stderr().contains("no offerer waits at nameplate " + code.nameplate()), answerer.transcript());
    }

    @Test
    void twoPeersMeetWithAShortCode() throws Exception {
        ProgramProcess offerer = start("offerer", "--session", "--once");
        ShortCode code = printedCode(offerer);
        // The line after the code: awaited, as it may not have been read yet when the code line was.
        String command = offerer.awaitLine("the answerer's command", RUN_LIMIT, l -> l.startsWith("On the answering side run"));
        assertTrue(command.matches("On the answering side run: java -jar \\S*answerer\\.jar --session " + code + " --dht \\S+"), command);
        // Typed as a person might: other case, spaces.
        ProgramProcess answerer = start("answerer", "--session", code.toString().toUpperCase().replace('-', ' '), "--once");
        assertEquals(0, offerer.awaitExit(RUN_LIMIT), offerer.transcript());
        assertEquals(0, answerer.awaitExit(RUN_LIMIT), answerer.transcript());
        assertEquals(Transcripts.OFFERER, offerer.stdoutLines().subList(2, offerer.stdoutLines().size()), offerer.transcript());
        assertEquals(Transcripts.ANSWERER, answerer.stdoutLines(), answerer.transcript());
        assertTrue(!offerer.stderr().contains("readable by anyone"), "sealed: " + offerer.transcript());
    }

    @Test
    void aTypoGetsADidYouMeanAndServeRefusesAShortCode() throws Exception {
        ProgramProcess typo = start("answerer", "--session", "7-guitarst-revenge");
        assertEquals(2, typo.awaitExit(RUN_LIMIT), typo.transcript());
        assertTrue(typo.stderr().contains("did you mean 7-guitarist-revenge?"), typo.transcript());
        ProgramProcess serving = start("answerer", "--serve", "--session", "7-guitarist-revenge");
        assertEquals(2, serving.awaitExit(RUN_LIMIT), serving.transcript());
        assertTrue(serving.stderr().contains("--serve needs a long code"), serving.transcript());
    }

    @Test
    void onATerminalTheOffererPrintsThePagesLinkAndItsQrCode() throws Exception {
        int pagePort;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            pagePort = free.getLocalPort();  // a port nothing listens on once this is closed: no page is there
        }
        ProgramProcess offerer = ProgramProcess.startOnTerminal("offerer", "--dht", dht, "--session", "--timeout", "5s",
                "--page", "http://127.0.0.1:" + pagePort + "/");
        started.add(offerer);
        Matcher codeShown = Pattern.compile("Session code: (\\d+-[a-z]+-[a-z]+)")
                .matcher(offerer.awaitLine("the session code", RUN_LIMIT, l -> l.contains("Session code: ")));
        assertTrue(codeShown.find());
        String code = codeShown.group(1);
        Matcher linkShown = Pattern.compile("Or open on the other device: (http://\\S+#\\d+-[a-z]+-[a-z]+)")
                .matcher(offerer.awaitLine("the link", RUN_LIMIT, l -> l.contains("Or open on the other device: ")));
        assertTrue(linkShown.find());
        String link = linkShown.group(1);
        // For another device: this machine's address (or, where it has none, the address given), the page's
        // port and path, the code in the fragment.
        assertTrue(link.matches("http://[0-9.]+:" + pagePort + "/#" + Pattern.quote(code)), link);
        offerer.awaitExit(RUN_LIMIT);
        if (!link.startsWith("http://127.")) {
            // No page listens there: the link would not open, and the offerer says so.
            assertTrue(offerer.transcript().contains("does not answer at " + link.substring(7, link.indexOf('/', 7))
                    + ", the address in the link above"), offerer.transcript());
        }
        List<String> drawing = new ArrayList<>();
        for (String line : offerer.stdoutLines()) {
            int start = line.indexOf("\u001b[30;107m");
            if (start >= 0) {
                drawing.add(line.substring(start));
            }
        }
        assertTrue(drawing.size() > 10, offerer.transcript());
        assertEquals(link, dev.dhtsignal.testing.QrDecoding.decode(drawing), "the QR code reads back as the link");
        // Not on a terminal (a script reading the transcript): the link, no drawing.
        ProgramProcess piped = start("offerer", "--session", "--timeout", "3s", "--page", "http://127.0.0.1:8080/");
        piped.awaitExit(RUN_LIMIT);
        assertTrue(piped.stdoutLines().stream().anyMatch(l -> l.startsWith("Or open on the other device: http://")), piped.transcript());
        assertTrue(piped.stdoutLines().stream().noneMatch(l -> l.contains("\u001b[")), piped.transcript());
    }

    @Test
    void withoutACodeOnATerminalTheAnswererAsksAndTabCompletesTheWords() throws Exception {
        ProgramProcess offerer = start("offerer", "--session", "--once");
        ShortCode code = printedCode(offerer);
        ProgramProcess answerer = ProgramProcess.startOnTerminalTyping(80, "answerer", "--dht", dht, "--session", "--once");
        started.add(answerer);
        // The prompt has no line end: it is seen once the editor has redrawn it, on the next line printed; so
        // wait for the terminal to have been set up by typing only after the process shows it is reading.
        answerer.awaitOutput("the prompt", RUN_LIMIT, "Enter the session code");
        // Only the start of each word, then Tab: typed like this without completion, the code is refused
        // ("did you mean"). The shortest start that only one word of its list has (four letters were not
        // always enough: 'stag' is stagehand and stagnate).
        String first = uniqueStart(code.firstWord(), true);
        String second = uniqueStart(code.secondWord(), false);
        type(answerer, code.nameplate() + "-" + first + "\t");
        type(answerer, second + "\t");
        type(answerer, "\r");
        assertEquals(0, answerer.awaitExit(RUN_LIMIT), answerer.transcript());
        assertEquals(0, offerer.awaitExit(RUN_LIMIT), offerer.transcript());
        assertTrue(answerer.stdoutLines().stream().anyMatch(l -> l.contains("Received message on 'chat': Hello from Peer A!")),
                answerer.transcript());
        // Ctrl-D at the prompt: no code, said at once.
        ProgramProcess empty = ProgramProcess.startOnTerminalTyping(80, "answerer", "--dht", dht, "--session");
        started.add(empty);
        empty.awaitOutput("the prompt", RUN_LIMIT, "Enter the session code");
        type(empty, "\u0004");
        assertEquals(2, empty.awaitExit(RUN_LIMIT), empty.transcript());
        assertTrue(empty.transcript().contains("answerer: --session: no code was typed"), empty.transcript());
    }

    @Test
    void ctrlCAfterTheCodePromptStopsTheProgramAsItDoesEverywhereElse() throws Exception {
        // The line editor left SIGINT at the system's default once the code was typed: Ctrl-C then killed the JVM
        // without its shutdown hooks (exit status "killed by SIGINT", so a shell dropped the rest of its line).
        java.nio.file.Path directory = java.nio.file.Files.createTempDirectory("prompt-ctrl-c");
        TerminalProcess answerer = TerminalProcess.start(80, 24, "answerer", directory, List.of("--dht", dht, "--session"));
        try {
            answerer.await("the prompt", RUN_LIMIT, "Enter the session code");
            answerer.type(ShortCode.random(4321, new java.security.SecureRandom()) + "\r");
            answerer.await("the wait for an offer", RUN_LIMIT, "waiting for");
            answerer.ctrlC();
            assertEquals(130, answerer.awaitExit(RUN_LIMIT), TerminalProcess.visible(answerer.raw()));
            assertFalse(answerer.raw().contains("ended by signal"), TerminalProcess.visible(answerer.raw()));
        } finally {
            answerer.close();
        }
    }

    /** The shortest start of {@code word} that no other word of its list (the code's first or second) has. */
    private static String uniqueStart(String word, boolean firstList) {
        for (int n = 1; n < word.length(); n++) {
            if (dev.dhtsignal.pake.WordList.PGP.completions(word.substring(0, n), firstList).size() == 1) {
                return word.substring(0, n);
            }
        }
        return word;
    }

    private static void type(ProgramProcess p, String keys) throws Exception {
        p.stdin().write(keys.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        p.stdin().flush();
    }

    @Test
    void shortCodesGoneWrongAreToldAtOnceNotTakenForLongCodes() throws Exception {
        // Taken for long codes, each of these waited the whole --timeout and then failed with exit code 1.
        String[][] cases = {
            {"answerer", "90-travesty", "'90-travesty' has one word"},
            {"answerer", "travesty-artist", "'travesty-artist' has no number"},
            {"answerer", "90 travesty artist extra", "has a part too many, 'extra'"},
            {"answerer", "seven-guitarist-revenge", "'seven' is a number in words"},
            {"offerer", "seven-guitarist-revenge", "did you mean 7-guitarist-revenge?"},
        };
        for (String[] c : cases) {
            ProgramProcess p = start(c[0], "--session", c[1], "--timeout", "5s");
            assertEquals(2, p.awaitExit(RUN_LIMIT), p.transcript());
            assertTrue(p.stderr().startsWith(c[0] + ": --session '" + c[1] + "'") && p.stderr().contains(c[2]), p.transcript());
        }
    }

    /** The nameplates as a third party on the DHT sees and writes them. */
    private NameplateBoard intruderBoard() throws Exception {
        intruder = KademliaNode.start(KademliaConfig.builder().bindAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .clientOnly(true).threadName("intruder").build());
        intruder.bootstrap(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))).get(30, TimeUnit.SECONDS);
        return new BoardNameplates(KademliaBoard.plain(intruder, "webrtc-offer", "webrtc-answer", dht));
    }

    /** A third party's side of the key exchange: it keeps no memory of the codes it tried. */
    private static PakeHandshake intruderExchange(NameplateBoard board) {
        return new PakeHandshake(board, new PakeHandshake.Settings(Duration.ofSeconds(60),
                Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofSeconds(10)), Clock.systemUTC(), SpentCodes.inMemory());
    }

    private static List<PakeMessage> decoded(NameplateBoard board, int nameplate, NameplateBoard.Side side) throws Exception {
        List<PakeMessage> out = new ArrayList<>();
        for (byte[] v : board.getAll(nameplate, side).get(30, TimeUnit.SECONDS)) {
            if (v.length > 0) {
                try {
                    out.add(PakeMessage.decode(v));
                } catch (IllegalArgumentException e) {
                    // junk: not a value of the exchange
                }
            }
        }
        return out;
    }

    @Test
    void aManInTheMiddleWhoKnowsAllButTheWordsMakesBothSidesFail() throws Exception {
        NameplateBoard board = intruderBoard();
        PakeHandshake mitm = intruderExchange(board);

        ProgramProcess offerer = start("offerer", "--session", "--once");
        ShortCode code = printedCode(offerer);
        // Everything but the words: the nameplate is public. The intruder guesses the words.
        ShortCode guess = new ShortCode(code.nameplate(), (code.first() + 1) % 256, (code.second() + 7) % 256);

        // Towards the offerer, the intruder is the answerer: its reply does not confirm, and the offerer gives up.
        assertThrows(WrongCodeException.class, () -> mitm.join(guess, null));
        assertEquals(1, offerer.awaitExit(RUN_LIMIT), offerer.transcript());
        assertTrue(offerer.stderr().contains("offerer: " + WRONG), offerer.transcript());

        // Towards the answerer, the intruder is the offerer: it clears the nameplate and claims it with its guess.
        board.put(code.nameplate(), NameplateBoard.Side.OFFERER, new byte[0]).get(10, TimeUnit.SECONDS);
        PakeHandshake.Claim fake = mitm.claim(guess, null);
        ProgramProcess answerer = start("answerer", "--session", code.toString(), "--once");
        assertThrows(WrongCodeException.class, () -> mitm.awaitAnswerer(fake, null));
        assertEquals(1, answerer.awaitExit(RUN_LIMIT), answerer.transcript());
        assertTrue(answerer.stderr().contains("answerer: " + WRONG), answerer.transcript());
        assertTrue(!answerer.stdoutLines().contains("Answer SDP stored in DHT."), "no SDP went out: " + answerer.transcript());

        // The answerer run again with the code would reply to the next claim there: a second guess on its side.
        board.put(code.nameplate(), NameplateBoard.Side.OFFERER, new byte[0]).get(10, TimeUnit.SECONDS);
        intruderExchange(board).claim(new ShortCode(code.nameplate(), 1, 1), null);
        byte[] anotherId = decoded(board, code.nameplate(), NameplateBoard.Side.OFFERER).stream()
                .filter(m -> m.kind() == PakeMessage.Kind.CLAIM).findFirst().orElseThrow().exchangeId();
        ProgramProcess again = start("answerer", "--session", code.toString(), "--once");
        assertEquals(1, again.awaitExit(RUN_LIMIT), again.transcript());
        assertTrue(again.stderr().contains("answerer: the code " + code + " was used on this machine already"), again.transcript());
        assertTrue(decoded(board, code.nameplate(), NameplateBoard.Side.ANSWERER).stream()
                .noneMatch(m -> m.kind() == PakeMessage.Kind.REPLY && m.isFor(anotherId)), "no reply to the new claim");
    }

    /**
     * A third guess at a code given to the offerer: a third party answers the claim with a wrong guess (the
     * offerer gives up and marks the code abandoned), erases the marker, and the offerer is run again with
     * the same code. It refuses the code, having tried it, and writes no claim for another guess.
     */
    @Test
    void anOffererRunAgainWithACodeItTriedRefusesIt() throws Exception {
        NameplateBoard board = intruderBoard();
        java.security.SecureRandom random = new java.security.SecureRandom();
        ShortCode given = new ShortCode(1000 + random.nextInt(9000), random.nextInt(256), random.nextInt(256));
        ProgramProcess offerer = start("offerer", "--session", given.toString(), "--once");
        dev.dhtsignal.testing.Await.until("the offerer's claim at nameplate " + given.nameplate(), RUN_LIMIT,
                () -> claims(board, given.nameplate()) > 0);
        ShortCode guess = new ShortCode(given.nameplate(), (given.first() + 1) % 256, given.second());
        assertThrows(WrongCodeException.class, () -> intruderExchange(board).join(guess, null));
        assertEquals(1, offerer.awaitExit(RUN_LIMIT), offerer.transcript());
        assertTrue(offerer.stderr().contains("offerer: " + WRONG), offerer.transcript());

        board.put(given.nameplate(), NameplateBoard.Side.OFFERER, new byte[0]).get(10, TimeUnit.SECONDS);  // the marker erased
        ProgramProcess again = start("offerer", "--session", given.toString(), "--once");
        assertEquals(1, again.awaitExit(RUN_LIMIT), again.transcript());
        assertTrue(again.stderr().contains("offerer: the code " + given + " was used on this machine already"), again.transcript());
        assertEquals(0, claims(board, given.nameplate()), "no claim for another guess");
    }

    /**
     * "Abandoned" values at nameplates 1..99 that say they expire in the year 3000 (the squat, scaled down:
     * ShortCodeAttacksTest and scripts/attack-shortcodes.sh hold all 9 999): they are not believed, so the
     * offerer makes a short code as usual, and the peers meet with it.
     */
    @Test
    void nameplatesHeldByValuesThatSayTheyExpireInTheYear3000AreFree() throws Exception {
        NameplateBoard board = intruderBoard();
        java.time.Instant year3000 = java.time.Instant.parse("3000-01-01T00:00:00Z");
        List<java.util.concurrent.CompletableFuture<Void>> squats = new ArrayList<>();
        for (int n = 1; n <= 99; n++) {
            byte[] id = new byte[PakeMessage.ID_LENGTH];
            java.util.Arrays.fill(id, (byte) n);
            squats.add(board.put(n, NameplateBoard.Side.OFFERER, PakeMessage.abandoned(id, year3000).encode()));
        }
        java.util.concurrent.CompletableFuture.allOf(squats.toArray(java.util.concurrent.CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        ProgramProcess offerer = start("offerer", "--session", "--once");
        ShortCode code = printedCode(offerer);
        assertTrue(code.nameplate() <= 99, "a short code as usual: " + code);
        ProgramProcess answerer = start("answerer", "--session", code.toString(), "--once");
        assertEquals(0, offerer.awaitExit(RUN_LIMIT), offerer.transcript());
        assertEquals(0, answerer.awaitExit(RUN_LIMIT), answerer.transcript());
    }

    private static int claims(NameplateBoard board, int nameplate) {
        try {
            return (int) decoded(board, nameplate, NameplateBoard.Side.OFFERER).stream().filter(m -> m.kind() == PakeMessage.Kind.CLAIM).count();
        } catch (Exception e) {
            return 0;
        }
    }
}
