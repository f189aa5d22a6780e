#!/usr/bin/python3
"""Announces torrents to a Mainline node from libtorrent (Debian's python3-libtorrent), as BitTorrent
clients do, and reports whether the node stays in their routing tables.

    /usr/bin/python3 scripts/libtorrent-announce.py HOST:PORT NODE_ID_HEX [SESSIONS] [TORRENTS]

Starts SESSIONS (default 40) libtorrent sessions on 127.0.0.1, joining the DHT through HOST:PORT and each
other only (never the public routers: every other way of finding peers or nodes is off), lets them learn
each other,
then each announces TORRENTS (default 2) info-hashes sharing 16 bits with NODE_ID, so that the node is
among the closest to them. Counts the errors the node sent back to announce_peer (libtorrent counts an
error as a failure of the node, and drops a node it has not confirmed yet), then asks each session
whether the node is still in its routing table. Prints one line. Loopback only.
"""
import os
import random
import shutil
import sys
import tempfile
import time

import warnings

import libtorrent as lt

warnings.simplefilter('ignore', DeprecationWarning)  # dht_state(): the one way to the node id here

host, port = sys.argv[1].rsplit(':', 1)
if not host.startswith('127.'):
    sys.exit('libtorrent-announce: ' + host + ' is not a loopback address')
node = (host, int(port))
node_id = bytes.fromhex(sys.argv[2])
sessions_wanted = int(sys.argv[3]) if len(sys.argv) > 3 else 40
torrents_wanted = int(sys.argv[4]) if len(sys.argv) > 4 else 2

settings = {
    'listen_interfaces': '127.0.0.1:0',
    'enable_dht': True,
    'dht_bootstrap_nodes': '%s:%d' % node,
    'enable_lsd': False,
    'enable_upnp': False,
    'enable_natpmp': False,
    # Many nodes on one address, as on one test host; loopback is neither dark Internet nor a search risk here.
    'dht_restrict_routing_ips': False,
    'dht_restrict_search_ips': False,
    'dht_ignore_dark_internet': False,
    # libtorrent ignores an IP address sending it more than 5 DHT packets a second (for 5 minutes); here every
    # node, ours and the other sessions, is 127.0.0.1, which on the Internet would be 40 addresses.
    'dht_block_ratelimit': 100000,
    'alert_mask': lt.alert.category_t.dht_notification | lt.alert.category_t.dht_log_notification
                  | lt.alert.category_t.dht_operation_notification,
}

# libtorrent never keeps its bootstrap nodes ("routers") in its routing table. So the first session joins
# through the node, and the others through the first, each told of the node as an ordinary DHT node, as
# it would have learned of it from another node's reply.
first = lt.session(settings)
others = []
for _ in range(sessions_wanted - 1):
    s = lt.session(dict(settings, dht_bootstrap_nodes='127.0.0.1:%d' % first.listen_port()))
    s.add_dht_node(node)
    others.append(s)
sessions = [first] + others


def drain(s, on_alert=None):
    for a in s.pop_alerts():
        if on_alert:
            on_alert(a)


def own_id(s):
    """The session's DHT node id (its state's node-id: the id, then the address it is for)."""
    ids = s.dht_state().get(b'node-id') or [bytes(20)]
    return lt.sha1_hash(ids[0][:20])


def routing_nodes(s):
    """The (address, port) of every node in the session's routing table."""
    s.dht_live_nodes(own_id(s))
    deadline = time.time() + 10
    while time.time() < deadline:
        s.wait_for_alert(500)
        for a in s.pop_alerts():
            if isinstance(a, lt.dht_live_nodes_alert):
                return {tuple(n['endpoint']) for n in a.nodes}
    return set()


# Join: each session bootstraps from the node; the node verifies them and hands them to each other.
deadline = time.time() + 60
while time.time() < deadline:
    time.sleep(1)  # the sessions work on their own threads; this only paces the look
    sizes = [len(routing_nodes(s)) for s in sessions]
    if min(sizes) >= min(8, sessions_wanted):
        break
joined = sum(1 for s in others if node in routing_nodes(s))

errors = {'n': 0}


incoming_from_node = '<== [%s:%d]' % node


def count_errors(a):
    # A packet alert's message reads "<== [HOST:PORT] { ... 'y': 'e' }" for an error received.
    if isinstance(a, lt.dht_pkt_alert):
        m = a.message()
        if m.startswith(incoming_from_node) and m.rstrip().endswith("'y': 'e' }"):
            errors['n'] += 1


for s in sessions:
    drain(s)  # what came before the announces
rng = random.Random(os.getpid())
save_path = tempfile.mkdtemp(prefix='libtorrent-announce-')
for s in sessions:
    for _ in range(torrents_wanted):
        # A torrent known by its info-hash alone (a magnet link without trackers): libtorrent announces it on
        # the DHT to find peers, get_peers first for the tokens, then announce_peer to the closest nodes.
        ih = node_id[:2] + bytes(rng.getrandbits(8) for _ in range(18))
        atp = lt.add_torrent_params()
        atp.info_hashes = lt.info_hash_t(lt.sha1_hash(ih))
        atp.save_path = save_path
        s.add_torrent(atp)
deadline = time.time() + 30
while time.time() < deadline:
    time.sleep(1)  # announces run on the sessions' threads; collect what they saw
    for s in sessions:
        drain(s, count_errors)
kept = sum(1 for s in others if node in routing_nodes(s))
shutil.rmtree(save_path, ignore_errors=True)
print('libtorrent %s: %d sessions; %d of the %d that know the node as a DHT node (not as their router) had it in '
      'their routing tables after joining; %d torrents announced (%d each), %d errors from the node; after the '
      'announces %d of those %d tables still hold the node'
      % (lt.__version__, sessions_wanted, joined, len(others), sessions_wanted * torrents_wanted, torrents_wanted,
         errors['n'], kept, joined))
