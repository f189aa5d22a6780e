package dev.dhtsignal.tools;

import dev.dhtsignal.testing.ProgramProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * Hosts on this machine made of network namespaces, for tests that need real networks: each namespace is
 * a host (or a switch, or a router) with its own interfaces, routes and firewall. Names are
 * {@code <prefix><pid>-<name>}, so two test classes in one JVM, or two runs at once, never collide; what
 * an earlier run killed midway left behind is deleted first. Addresses come from 198.18.0.0/15 (reserved
 * for network tests) and exist only inside these namespaces: the root namespace's networking is never
 * touched.
 *
 * <p>Needs root and {@code ip} (iproute2). Without them {@link #create} aborts the test (it is skipped)
 * saying why, unless the system property named by {@code requiredProperty} is true: then it fails. Once
 * namespaces can be made, any later setup failure fails the test with the command and its output.
 */
final class Namespaces implements AutoCloseable {
    private static final Duration COMMAND_LIMIT = Duration.ofSeconds(20);

    /** What a short command printed (standard error merged in) and its exit code. */
    record Result(int code, String output) {
    }

    private final String prefix;
    private final String run;
    private final String requiredProperty;
    /** Namespaces made, in creation order; deleted in reverse by {@link #close()}. */
    private final List<String> created = new ArrayList<>();
    /** Every program started, by a readable name, for transcripts on failure. */
    private final Map<String, ProgramProcess> programs = new LinkedHashMap<>();
    /** Other long-running commands (servers that are not ours), with the file their output goes to. */
    private final Map<String, Process> commands = new LinkedHashMap<>();
    private final Map<String, Path> commandOutputs = new LinkedHashMap<>();

    private Namespaces(String prefix, String requiredProperty) {
        this.prefix = prefix;
        this.run = prefix + ProcessHandle.current().pid() + "-";
        this.requiredProperty = requiredProperty;
    }

    /**
     * Checks that namespaces can be made here, deletes stale ones of this prefix, and makes a first one
     * named {@code first} to prove it.
     *
     * @param tools other commands the test needs, each with what to install when it is missing
     */
    static Namespaces create(String prefix, String requiredProperty, String first, Map<String, String> tools)
            throws IOException, InterruptedException {
        Namespaces n = new Namespaces(prefix, requiredProperty);
        long uid = uid();
        if (uid != 0) {
            n.unavailable("network namespaces need root: running as uid " + uid);
        }
        try {
            Result version = run(List.of("ip", "-V"));
            if (version.code != 0) {
                n.unavailable("'ip -V' failed (exit " + version.code + "): " + version.output);
            }
        } catch (IOException e) {
            n.unavailable("network namespaces need the 'ip' command (iproute2): " + e.getMessage());
        }
        for (Map.Entry<String, String> tool : tools.entrySet()) {
            if (!onPath(tool.getKey())) {
                n.unavailable("this test needs '" + tool.getKey() + "', which is not installed (" + tool.getValue() + ")");
            }
        }
        n.deleteStale();
        String name = n.name(first);
        Result add = run(List.of("ip", "netns", "add", name));
        if (add.code != 0) {
            n.unavailable("cannot create network namespaces: 'ip netns add " + name + "' failed (exit " + add.code + "): "
                    + add.output.strip());
        }
        n.created.add(name);
        try {
            n.ip(name, "link", "set", "lo", "up");
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            n.close();
            throw e;
        }
        return n;
    }

    /** The full name of namespace {@code name}. */
    String name(String name) {
        return run + name;
    }

    /** Makes namespace {@code name} with its loopback up; returns its full name. */
    String add(String name) throws IOException, InterruptedException {
        String ns = name(name);
        must(List.of("ip", "netns", "add", ns));
        created.add(ns);
        ip(ns, "link", "set", "lo", "up");
        return ns;
    }

    /** Makes a Linux bridge {@code bridge} in namespace {@code ns}: the switch hosts plug into. */
    void bridge(String ns, String bridge) throws IOException, InterruptedException {
        ip(ns, "link", "add", bridge, "type", "bridge");
        ip(ns, "link", "set", bridge, "up");
    }

    /**
     * Plugs namespace {@code host} into {@code bridge} of namespace {@code switchNs}: a veth pair,
     * {@code port} in the switch, {@code device} in the host, up, with {@code cidr} on the host's end.
     * Both ends are made inside namespaces, never in the root namespace.
     */
    void plug(String switchNs, String bridge, String port, String host, String device, String cidr)
            throws IOException, InterruptedException {
        ip(switchNs, "link", "add", port, "type", "veth", "peer", "name", device, "netns", host);
        ip(switchNs, "link", "set", port, "master", bridge);
        ip(switchNs, "link", "set", port, "up");
        ip(host, "addr", "add", cidr, "dev", device);
        ip(host, "link", "set", device, "up");
    }

    /** A cable between two namespaces: {@code deviceA} with {@code cidrA} in {@code a}, {@code deviceB} with {@code cidrB} in {@code b}. */
    void cable(String a, String deviceA, String cidrA, String b, String deviceB, String cidrB)
            throws IOException, InterruptedException {
        ip(a, "link", "add", deviceA, "type", "veth", "peer", "name", deviceB, "netns", b);
        ip(a, "addr", "add", cidrA, "dev", deviceA);
        ip(a, "link", "set", deviceA, "up");
        ip(b, "addr", "add", cidrB, "dev", deviceB);
        ip(b, "link", "set", deviceB, "up");
    }

    /** Runs {@code ip -n ns ARGS}, failing the test if it fails. */
    void ip(String ns, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ip", "-n", ns));
        command.addAll(List.of(args));
        must(command);
    }

    /** Runs a short command inside namespace {@code ns}, failing the test if it fails. */
    Result exec(String ns, String... command) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        all.addAll(List.of(command));
        return must(all);
    }

    /** Runs a short command inside namespace {@code ns} and returns what it did, whatever its exit code. */
    Result tryExec(String ns, String... command) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        all.addAll(List.of(command));
        return run(all);
    }

    /** Starts one of our programs (a fat jar) in namespace {@code ns}. */
    ProgramProcess start(String ns, String label, String program, String... args) throws IOException {
        return start(ns, label, program, Map.of(), args);
    }

    /** Starts one of our programs in namespace {@code ns} with extra environment variables. */
    ProgramProcess start(String ns, String label, String program, Map<String, String> env, String... args)
            throws IOException {
        ProgramProcess p = ProgramProcess.startWrapped(List.of("ip", "netns", "exec", ns), program, env, args);
        programs.put(label, p);
        return p;
    }

    /** Starts a long-running command (a server that is not ours) in namespace {@code ns}, its output to a file. */
    Process startCommand(String ns, String label, List<String> command) throws IOException {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        all.addAll(command);
        Path out = Files.createTempFile(prefix, ".out");
        Process p = new ProcessBuilder(all).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        commands.put(label, p);
        commandOutputs.put(label, out);
        return p;
    }

    /** What a command started with {@link #startCommand} printed so far. */
    String output(String label) {
        try {
            return Files.readString(commandOutputs.get(label), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read its output: " + e + ")";
        }
    }

    ProgramProcess program(String label) {
        return programs.get(label);
    }

    /** The output of every program and command started, for a failure message. */
    String transcripts() {
        StringBuilder all = new StringBuilder("\n===== transcripts of " + (programs.size() + commands.size())
                + " processes =====\n");
        programs.forEach((label, p) -> all.append("===== ").append(label).append(" =====\n").append(p.transcript()).append('\n'));
        commands.forEach((label, p) -> all.append("===== ").append(label).append(" =====\n").append(output(label)).append('\n'));
        return all.toString();
    }

    /** Stops every process started here and deletes every namespace made; fails naming what was left behind. */
    @Override
    public void close() throws IOException, InterruptedException {
        programs.values().forEach(ProgramProcess::close);
        for (Process p : commands.values()) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        for (Path out : commandOutputs.values()) {
            Files.deleteIfExists(out);
        }
        List<String> problems = new ArrayList<>();
        for (int i = created.size() - 1; i >= 0; i--) {
            Result r = run(List.of("ip", "netns", "delete", created.get(i)));
            if (r.code != 0) {
                problems.add("ip netns delete " + created.get(i) + " (exit " + r.code + "): " + r.output.strip());
            }
        }
        created.clear();
        if (!problems.isEmpty()) {
            throw new AssertionError("namespaces left behind:\n" + String.join("\n", problems));
        }
    }

    /** Namespaces of this prefix whose creating process is gone (an earlier run killed midway). */
    private void deleteStale() throws IOException, InterruptedException {
        Pattern ours = Pattern.compile("(" + Pattern.quote(prefix) + "(\\d+)-\\S+)");
        Result list = must(List.of("ip", "netns", "list"));
        for (String line : list.output.split("\n")) {
            Matcher m = ours.matcher(line.strip());
            if (!m.lookingAt()) {
                continue;
            }
            long pid = Long.parseLong(m.group(2));
            boolean owned = pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            if (!owned) {
                must(List.of("ip", "netns", "delete", m.group(1)));
            }
        }
    }

    private void unavailable(String why) {
        if (Boolean.getBoolean(requiredProperty)) {
            throw new AssertionError(why + " (and -D" + requiredProperty + "=true)");
        }
        Assumptions.abort(why);
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        List<String> dirs = new ArrayList<>(List.of(path == null ? new String[0] : path.split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        return dirs.stream().anyMatch(d -> Files.isExecutable(Path.of(d, command)));
    }

    private static long uid() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
            if (line.startsWith("Uid:")) {
                return Long.parseLong(line.substring(4).strip().split("\\s+")[0]);
            }
        }
        throw new IOException("no Uid line in /proc/self/status");
    }

    /** Runs a short command, standard error merged into its output, within {@link #COMMAND_LIMIT}. */
    static Result run(List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("namespaces", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(COMMAND_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError("'" + String.join(" ", command) + "' still running after " + COMMAND_LIMIT.toSeconds()
                        + " s; output so far: " + Files.readString(out));
            }
            return new Result(p.exitValue(), Files.readString(out));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    static Result must(List<String> command) throws IOException, InterruptedException {
        Result r = run(command);
        if (r.code != 0) {
            throw new AssertionError("'" + String.join(" ", command) + "' failed (exit " + r.code + "): " + r.output.strip());
        }
        return r;
    }
}
