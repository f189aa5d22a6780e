// A loopback swarm of bittorrent-dht nodes (an independent Mainline DHT implementation), driven over
// standard input and output with one JSON object per line, for the Java interoperability tests.
//
//   node swarm.mjs COUNT [HOST:PORT ...]    the addresses are extra bootstrap nodes (e.g. ours)
//
// Prints {"ready":true,"nodes":["127.0.0.1:PORT",...]} once every node has bootstrapped, then answers
// each request line {"id":N,"op":...} with {"id":N,"ok":true|false,...}. Ends when standard input ends.
// Binds 127.0.0.1 only and never uses the public routers.
import DHT from 'bittorrent-dht'
import crypto from 'node:crypto'
import dgram from 'node:dgram'
import readline from 'node:readline'

const count = Number(process.argv[2] || 8)
const extra = process.argv.slice(3)

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

function verify (sig, message, publicKey) {
  try {
    const key = crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' })
    return crypto.verify(null, message, key, sig)
  } catch (e) {
    return false
  }
}

function signingKey (seedHex) {
  const privateKey = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, Buffer.from(seedHex, 'hex')]), format: 'der', type: 'pkcs8' })
  const spki = crypto.createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
  return { k: spki.subarray(spki.length - 32), sign: (buf) => crypto.sign(null, buf, privateKey) }
}

function listen (dht) {
  return new Promise((resolve, reject) => {
    dht.once('error', reject)
    dht.listen(0, '127.0.0.1', () => {
      swarmPorts.add(dht.address().port)
      resolve(`127.0.0.1:${dht.address().port}`)
    })
  })
}

function ready (dht) {
  return new Promise((resolve) => (dht.ready ? resolve() : dht.once('ready', resolve)))
}

// SWARM_LATENCY=MS,JITTER,LOSS (e.g. 40,10,0.01), for benchmarks on a kernel without netem: every datagram
// a node sends, and every one it receives from outside the swarm, waits MS +- JITTER ms (uniform), and each is
// lost with probability LOSS. A query from outside and its reply then take two such legs, as over a network
// whose every hop costs MS each way; between two nodes of the swarm a datagram takes one.
const swarmPorts = new Set()
if (process.env.SWARM_LATENCY) {
  const [ms, jitter, loss] = process.env.SWARM_LATENCY.split(',').map(Number)
  const wait = () => Math.max(0, ms + (Math.random() * 2 - 1) * jitter)
  const send = dgram.Socket.prototype.send
  dgram.Socket.prototype.send = function (...args) {
    if (Math.random() < loss) {
      const done = args.find((a) => typeof a === 'function')
      if (done) setImmediate(done, null)
      return
    }
    setTimeout(() => send.apply(this, args), wait())
  }
  const emit = dgram.Socket.prototype.emit
  dgram.Socket.prototype.emit = function (event, message, rinfo, ...rest) {
    if (event !== 'message' || !rinfo || swarmPorts.has(rinfo.port)) return emit.call(this, event, message, rinfo, ...rest)
    if (Math.random() >= loss) setTimeout(() => emit.call(this, event, message, rinfo, ...rest), wait())
    return true
  }
}

const nodes = []
const addresses = []
const first = new DHT({ bootstrap: extra.length ? extra : false, verify })
nodes.push(first)
addresses.push(await listen(first))
for (let i = 1; i < count; i++) {
  const dht = new DHT({ bootstrap: [addresses[0], ...extra], verify })
  nodes.push(dht)
  addresses.push(await listen(dht))
}
await Promise.all(nodes.map(ready))
// The first node joined before the others existed; it learns them from their queries, and here directly.
for (const dht of nodes.slice(1)) nodes[0].addNode({ id: dht.nodeId, host: '127.0.0.1', port: dht.address().port })
for (const dht of nodes) dht.on('warning', () => {})
process.stdout.write(JSON.stringify({ ready: true, nodes: addresses }) + '\n')

const handlers = {
  put (req, dht) {
    const key = signingKey(req.seed)
    const opts = { k: key.k, seq: req.seq, v: Buffer.from(req.v, 'hex'), sign: key.sign }
    if (req.salt) opts.salt = Buffer.from(req.salt, 'hex')
    if (typeof req.cas === 'number') opts.cas = req.cas
    return new Promise((resolve) => dht.put(opts, (err, target, n) => resolve(err
      ? { ok: false, error: err.message }
      : { ok: true, target: target.toString('hex'), stored: n })))
  },
  putImmutable (req, dht) {
    return new Promise((resolve) => dht.put({ v: Buffer.from(req.v, 'hex') }, (err, target, n) => resolve(err
      ? { ok: false, error: err.message }
      : { ok: true, target: target.toString('hex'), stored: n })))
  },
  get (req, dht) {
    const opts = { cache: false }
    if (req.salt) opts.salt = Buffer.from(req.salt, 'hex')
    return new Promise((resolve) => dht.get(req.target, opts, (err, res) => resolve(err
      ? { ok: false, error: err.message }
      : { ok: true, found: !!res, v: res ? Buffer.from(res.v).toString('hex') : null, seq: res ? res.seq : null, k: res && res.k ? Buffer.from(res.k).toString('hex') : null })))
  },
  publicKey (req) {
    return { ok: true, k: signingKey(req.seed).k.toString('hex') }
  },
  announce (req, dht) {
    return new Promise((resolve) => dht.announce(Buffer.from(req.infoHash, 'hex'), req.port, (err) => resolve(err
      ? { ok: false, error: err.message }
      : { ok: true })))
  },
  // The peers a get_peers lookup finds, each with the node that handed it out ("from").
  lookupPeers (req, dht) {
    const infoHash = Buffer.from(req.infoHash, 'hex')
    const found = []
    const onPeer = (peer, ih, from) => {
      if (ih.equals(infoHash) && from) found.push({ peer: `${peer.host}:${peer.port}`, from: `${from.host || from.address}:${from.port}` })
    }
    dht.on('peer', onPeer)
    return new Promise((resolve) => dht.lookup(infoHash, (err) => {
      dht.removeListener('peer', onPeer)
      resolve(err ? { ok: false, error: err.message } : { ok: true, peers: found })
    }))
  },
  table (req, dht) {
    return { ok: true, nodes: dht.toJSON().nodes.map((n) => `${n.host}:${n.port}`) }
  }
}

const lines = readline.createInterface({ input: process.stdin })
lines.on('line', async (line) => {
  let req
  try {
    req = JSON.parse(line)
    const handler = handlers[req.op]
    const res = handler ? await handler(req, nodes[req.node || 0]) : { ok: false, error: 'unknown op ' + req.op }
    process.stdout.write(JSON.stringify({ id: req.id, ...res }) + '\n')
  } catch (e) {
    process.stdout.write(JSON.stringify({ id: req && req.id, ok: false, error: String(e && e.message) }) + '\n')
  }
})
lines.on('close', () => {
  for (const dht of nodes) dht.destroy()
  process.exit(0)
})
