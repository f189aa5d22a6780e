// The HTTP gateway of the dht-server that served this page: get, put and watch one DHT value.
// Keys are 40 hex digits (the 20-byte DHT key). A value is {kind: 'text', text} (a MessagePack str),
// {kind: 'bytes', bytes} (a bin), or {kind: 'other'} for numbers and booleans, which signaling never uses.
// See docs/gateway.md for the API.

export class GatewayError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function reason(response) {
  const text = (await response.text()).trim();
  return text || `HTTP ${response.status}`;
}

async function valueOf(response) {
  const type = (response.headers.get('Content-Type') || '').toLowerCase();
  if (type.startsWith('text/plain')) {
    return { kind: 'text', text: await response.text() };
  }
  if (type.startsWith('application/octet-stream')) {
    return { kind: 'bytes', bytes: new Uint8Array(await response.arrayBuffer()) };
  }
  await response.arrayBuffer();
  return { kind: 'other' };
}

/** A value as the gateway sees it: the value (or null when there is none) and its entity tag. */
export class Gateway {
  constructor(base = '') {
    this.base = base;
  }

  url(key) {
    return `${this.base}/dht/${key}`;
  }

  /** Runs a request, waiting and retrying when the gateway says 429 or 503 (it names how long). */
  async request(key, init, signal) {
    for (let attempt = 0; ; attempt++) {
      let response;
      try {
        response = await fetch(this.url(key), { cache: 'no-store', ...init, signal });
      } catch (e) {
        if (signal && signal.aborted) throw e;
        throw new GatewayError(`cannot reach the gateway at ${location.host}: ${e.message}`, 0);
      }
      if ((response.status === 429 || response.status === 503) && attempt < 5) {
        const wait = Number(response.headers.get('Retry-After')) || 1;
        await response.text();
        await sleep(wait * 1000, signal);
        continue;
      }
      return response;
    }
  }

  /**
   * The STUN and TURN servers the gateway's node offers (GET /ice-servers, docs/gateway.md): its own STUN
   * server and TURN credentials for this connection. Never fails: a gateway that cannot answer (an older
   * one, over its rate) means none, and the page goes on with the servers typed into it.
   */
  async iceServers(signal) {
    try {
      const response = await fetch(`${this.base}/ice-servers`, { cache: 'no-store', signal });
      if (!response.ok) {
        await response.text();
        return [];
      }
      const body = await response.json();
      return Array.isArray(body.iceServers) ? body.iceServers.filter((s) => s && s.urls) : [];
    } catch (e) {
      if (signal && signal.aborted) throw e;
      return [];
    }
  }

  async get(key, signal) {
    const response = await this.request(key, {}, signal);
    if (response.status === 404) {
      await response.text();
      return { value: null, etag: null };
    }
    if (response.status !== 200) {
      throw new GatewayError(`reading a DHT value failed: ${await reason(response)}`, response.status);
    }
    return { value: await valueOf(response), etag: response.headers.get('ETag') };
  }

  /** Stores text (a string) or bytes (a Uint8Array) under the key; returns the new entity tag. */
  async put(key, data, signal) {
    const text = typeof data === 'string';
    const response = await this.request(key, {
      method: 'PUT',
      headers: { 'Content-Type': text ? 'text/plain; charset=utf-8' : 'application/octet-stream' },
      body: data,
    }, signal);
    if (response.status !== 204) {
      throw new GatewayError(`storing a DHT value failed: ${await reason(response)}`, response.status);
    }
    return response.headers.get('ETag');
  }

  /**
   * Long-poll: resolves once the value under the key is no longer the one tagged `etag` (with no tag:
   * once there is a value), or after `seconds` with the value unchanged ({changed: false}).
   */
  async watch(key, etag, seconds, signal) {
    const headers = { Prefer: `wait=${seconds}` };
    if (etag) headers['If-None-Match'] = etag;
    const response = await this.request(key, { headers }, signal);
    if (response.status === 304) {
      await response.text();
      return { changed: false, value: undefined, etag };
    }
    if (response.status === 404) {
      await response.text();
      return { changed: etag !== null, value: null, etag: null };
    }
    if (response.status !== 200) {
      throw new GatewayError(`waiting on a DHT value failed: ${await reason(response)}`, response.status);
    }
    return { changed: true, value: await valueOf(response), etag: response.headers.get('ETag') };
  }
}

export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    if (signal) {
      signal.addEventListener('abort', () => {
        clearTimeout(t);
        reject(signal.reason || new DOMException('stopped', 'AbortError'));
      }, { once: true });
    }
  });
}
