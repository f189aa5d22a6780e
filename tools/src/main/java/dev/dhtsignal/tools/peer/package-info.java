/**
 * Benchmark tools that run real peers: {@link dev.dhtsignal.tools.peer.ChannelBench} measures data
 * channel throughput between two processes that met through the DHT, and
 * {@link dev.dhtsignal.tools.peer.ProfileSummary} condenses a JFR recording of such a run. They are run by
 * {@code scripts/bench-channel.sh}; each has its own {@code main}:
 * {@code java -cp tools/target/tools.jar dev.dhtsignal.tools.peer.ChannelBench --help}.
 */
package dev.dhtsignal.tools.peer;
