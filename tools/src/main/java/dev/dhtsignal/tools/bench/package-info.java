/**
 * Load and robustness tools for a DHT node, run by {@code scripts/bench-dht.sh}, {@code scripts/fuzz-dht.sh}
 * and {@code scripts/flood-dht.sh}. Each tool is a picocli command with its own {@code main}:
 * <ul>
 *   <li>{@link dev.dhtsignal.tools.bench.FindValueLoad}: keeps N find_value requests in flight against a
 *       running node over raw UDP; replies/s and latency per N.</li>
 *   <li>{@link dev.dhtsignal.tools.bench.LookupBench}: in-JVM networks of real nodes; hops, RPCs and time
 *       of iterative find_value lookups.</li>
 *   <li>{@link dev.dhtsignal.tools.bench.Fuzz}: random and mutated datagrams at a running node, then checks
 *       that it still answers ping with its id.</li>
 *   <li>{@link dev.dhtsignal.tools.bench.Flood}: a million distinct store requests at a running node.</li>
 *   <li>{@link dev.dhtsignal.tools.bench.ShortCodeAttack}: the steps of the attacks on short codes and sealed
 *       offers that {@code scripts/attack-shortcodes.sh} runs against the stock programs.</li>
 * </ul>
 * The raw-UDP tools refuse targets off loopback unless told otherwise: they are meant to hurt.
 */
package dev.dhtsignal.tools.bench;
