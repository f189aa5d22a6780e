// The page's short-code rules against an attacker, for the browser tests (BrowserPeerIT): the web page in
// headless Chromium (Debian's) through a real dht-server's gateway, and this script playing the third party
// beside it, writing the nameplate values anyone may write (through the same gateway, from another loopback
// address, so its writes count against its own rate and not the pages').
// Usage: node pake-rules.mjs GATEWAY_URL [SCENARIO...] (default: all). Environment: CHROMIUM (default
// /usr/bin/chromium). Prints one JSON line per scenario ({"scenario", "event": "passed"|"failed", ...});
// exits 0 when every scenario passed.
//
// Each scenario has key names of its own, so its nameplates are apart from the others'.
//   squat-far-expiry      "abandoned" values that say they expire in the year 3000 at nameplates 1..99; a page
//                         makes a code, which must be at one of 1..99, and another page joins with it
//   agreed-code-squatted  the same kind of value at nameplate 7; a page offers with a code agreed beforehand,
//                         7-..., and another page joins with it
//   displace              a claim with exchange id 00.. written over the page's claim once its code is shown; the
//                         page must write its claim again and keep its code, and another page joins with it
//   answerer-one-guess    the attacker's claim, the page replies (one guess), the attacker abandons; then a new claim
//                         of the attacker's over the marker and the page, reloaded, joins again: refused, no reply
//   answerer-marker       an "abandoned" marker at the code's nameplate: the page fails; then a claim over it and the
//                         page, reloaded, joins again: refused, no reply
//   offerer-one-guess     the page offers with a given code, the attacker replies with a guess (the page abandons),
//                         erases the marker, and the page, reloaded, offers with the same code again: refused
//   busy-not-writable     the gateway refuses the claim at every nameplate 1..99 (a 502, as when the store reached
//                         no node; injected here, since one dht-server always takes a store): the page must take it
//                         as busy and make a code past 99, and another page joins with it
//   offer-wait-limit      an offering page asked to wait 3600 s (plain mode, and a short code) refuses at once:
//                         nobody believes an offer or claim that lives longer than 10 min and the clock allowance
import { chromium } from 'playwright-core';
import { createECDH, createHash, randomBytes } from 'node:crypto';
import http from 'node:http';

const base = process.argv[2].replace(/\/$/, '');
const wanted = process.argv.slice(3);
const LIMIT_MS = 150000;
const YEAR_3000 = 32503680000000;
const WRONG_CODE = 'wrong code, or someone interfered: start again with a new code';
const USED = 'was used in this browser already';

// ------------------------------------------------------------------------------------------- the attacker

// The attacker's requests, at most 20 a second: its address is another than the pages', but its network
// (127.0.0.0/24) is theirs, and the gateway's rate per network covers the pages' own files too.
let nextRequestAt = 0;
async function paced() {
  const now = Date.now();
  const at = Math.max(now, nextRequestAt);
  nextRequestAt = at + 50;
  if (at > now) await new Promise((ok) => setTimeout(ok, at - now));
}

/** A request to the gateway from 127.0.0.2; waits out 429 as a patient attacker would. */
async function request(method, key, body = null) {
  await paced();
  return new Promise((resolve, reject) => {
    const url = new URL(`${base}/dht/${key}`);
    const headers = body === null ? {} : {
      'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream',
      'Content-Length': Buffer.byteLength(body),
    };
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method, headers, localAddress: '127.0.0.2' }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(parts), retry: Number(res.headers['retry-after']) || 1 }));
    });
    req.on('error', reject);
    if (body !== null) req.write(body);
    req.end();
  }).then(async (r) => {
    if (r.status === 429) {
      await new Promise((ok) => setTimeout(ok, r.retry * 1000));
      return request(method, key, body);
    }
    return r;
  });
}

async function put(key, value) {
  const r = await request('PUT', key, value);
  if (r.status !== 204) throw new Error(`the attacker's store under ${key} failed: ${r.status} ${r.body}`);
}

/** The key-exchange value under a key, decoded ({kind, idHex, expires}), '' for a cleared key, null for none or junk. */
async function read(key) {
  const r = await request('GET', key);
  if (r.status === 404) return null;
  const b = r.body;
  if (b.length === 0) return '';
  if (b.length < 29 || b.subarray(0, 4).toString() !== 'WDP1') return null;
  return { kind: String.fromCharCode(b[4]), idHex: b.subarray(5, 21).toString('hex'), expires: Number(b.readBigUInt64BE(21)) };
}

/** Waits until the value under a key satisfies `test`; fails with `what` after the limit. */
async function until(key, test, what) {
  const deadline = Date.now() + LIMIT_MS;
  for (;;) {
    const m = await read(key);
    if (test(m)) return m;
    if (Date.now() > deadline) throw new Error(`${what}: the value under ${key} is ${JSON.stringify(m)}`);
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

function message(kind, idHex, expires, body = Buffer.alloc(0)) {
  const head = Buffer.alloc(29);
  head.write('WDP1', 0);
  head[4] = kind.charCodeAt(0);
  Buffer.from(idHex, 'hex').copy(head, 5);
  head.writeBigUInt64BE(BigInt(expires), 21);
  return Buffer.concat([head, body]);
}

/** A point of P-256 nobody here knows the words behind: what an attacker's claim or reply carries. */
function randomPoint() {
  return createECDH('prime256v1').generateKeys();
}

function keyOf(name) {
  return createHash('sha1').update(name).digest('hex');
}

function nameplateKeys(prefix, nameplate) {
  return { offerer: keyOf(`${prefix}-offer/pake/v1/${nameplate}`), answerer: keyOf(`${prefix}-answer/pake/v1/${nameplate}`) };
}

let wordList = null;
async function words() {
  if (!wordList) {
    const text = await (await fetch(`${base}/pgp-words.txt`)).text();
    const even = [];
    const odd = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '' || line.startsWith('#')) continue;
      const [, e, o] = line.trim().split(/\s+/);
      even.push(e.toLowerCase());
      odd.push(o.toLowerCase());
    }
    wordList = { even, odd };
  }
  return wordList;
}

async function someCode(nameplate) {
  const list = await words();
  const r = randomBytes(2);
  return `${nameplate}-${list.odd[r[0]]}-${list.even[r[1]]}`;
}

// ----------------------------------------------------------------------------------------------- the pages

const flags = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: flags });

/** A person's browser profile: its own storage (where the page keeps its spent codes). */
async function person() {
  return browser.newContext({ viewport: { width: 390, height: 844 } });
}

/** Opens the page in `context` (or reloads `page`) and presses Connect with these choices. */
async function start(target, { role, mode = 'session', code = '', prefix, timeoutSeconds = 120 }) {
  const page = target.newPage ? await target.newPage() : target;
  if (!page.refusals) {
    // What the gateway refused the page, for the report: a page whose module got a 429 never starts.
    page.refusals = [];
    page.on('response', (r) => { if (r.status() >= 400 && !r.url().endsWith('favicon.ico')) page.refusals.push(`${r.status()} ${r.url()}`); });
    page.on('pageerror', (e) => page.refusals.push(`pageerror: ${e.message}`));
  }
  await page.goto(`${base}/`);
  await page.check(`#role-${role}`);
  await page.check(`#mode-${mode}`);
  if (code) await page.fill('#code', code);
  await page.evaluate(([o, a, t]) => {
    document.getElementById('offer-key').value = o;
    document.getElementById('answer-key').value = a;
    document.getElementById('timeout').value = String(t);
    document.getElementById('connect-timeout').value = '60';
  }, [`${prefix}-offer`, `${prefix}-answer`, timeoutSeconds]);
  await page.click('#start');
  return page;
}

async function seen(page) {
  return page.evaluate(() => ({
    state: document.body.dataset.state,
    error: document.getElementById('error').textContent,
    transcript: [...document.querySelectorAll('#transcript li')].map((li) => li.textContent),
  })).then((s) => ({ ...s, refusals: page.refusals })).catch((e) => ({ unavailable: e.message }));
}

/** The code the page shows once it has claimed its nameplate. */
async function shownCode(page) {
  await page.waitForFunction(() => !document.getElementById('share').hidden || document.body.dataset.state === 'failed', null,
    { timeout: LIMIT_MS });
  const s = await seen(page);
  expect(s.state !== 'failed', `the offering page failed before showing a code: ${s.error}`, s);
  return page.inputValue('#code');
}

/** Waits for the page to end its attempt: connected, or failed with its error; returns what it shows. */
async function outcome(page) {
  await page.waitForFunction(() => ['connected', 'failed', 'closed'].includes(document.body.dataset.state), null, { timeout: LIMIT_MS });
  return seen(page);
}

function expect(condition, why, details) {
  if (!condition) throw Object.assign(new Error(why), { details });
}

async function connected(page, who) {
  const s = await outcome(page);
  expect(s.state === 'connected', `the ${who} did not connect: ${s.error}`, s);
  return s;
}

async function failedWith(page, text, who) {
  const s = await outcome(page);
  expect(s.state === 'failed' && s.error.includes(text), `the ${who} did not fail with '${text}'`, s);
  return s;
}

// ------------------------------------------------------------------------------------------- the scenarios

const scenarios = {
  async 'squat-far-expiry'() {
    for (let n = 1; n <= 99; n++) {
      await put(nameplateKeys('sq', n).offerer, message('X', randomBytes(16).toString('hex'), YEAR_3000));
    }
    const offerer = await start(await person(), { role: 'offer', prefix: 'sq' });
    const code = await shownCode(offerer);
    expect(Number(code.split('-')[0]) <= 99, `the code ${code} is past 99: the squatter's values were believed`, await seen(offerer));
    const answerer = await start(await person(), { role: 'answer', code, prefix: 'sq' });
    await connected(answerer, 'joining page');
    await connected(offerer, 'offering page');
    return { code };
  },

  async 'agreed-code-squatted'() {
    await put(nameplateKeys('ag', 7).offerer, message('X', randomBytes(16).toString('hex'), YEAR_3000));
    const code = await someCode(7);
    const offerer = await start(await person(), { role: 'offer', code, prefix: 'ag' });
    expect(await shownCode(offerer) === code, 'the page did not offer with the code it was given', await seen(offerer));
    const answerer = await start(await person(), { role: 'answer', code, prefix: 'ag' });
    await connected(answerer, 'joining page');
    await connected(offerer, 'offering page');
    return { code };
  },

  async displace() {
    const offerer = await start(await person(), { role: 'offer', prefix: 'dp' });
    const code = await shownCode(offerer);
    const keys = nameplateKeys('dp', Number(code.split('-')[0]));
    const pages = await until(keys.offerer, (m) => m && m.kind === 'C', "the page's claim");
    const zero = '00'.repeat(16);
    await put(keys.offerer, message('C', zero, Date.now() + 5 * 60000, randomPoint()));
    await until(keys.offerer, (m) => m && m.kind === 'C' && m.idHex === pages.idHex, 'the page did not write its claim again over the attacker\'s');
    const answerer = await start(await person(), { role: 'answer', code, prefix: 'dp' });
    await connected(answerer, 'joining page');
    const s = await connected(offerer, 'offering page');
    const shown = s.transcript.filter((l) => l.startsWith('Session code: '));
    expect(shown.length === 1, `the offering page showed ${shown.length} codes`, s);
    return { code };
  },

  async 'answerer-one-guess'() {
    const keys = nameplateKeys('tg', 42);
    const code = await someCode(42);
    const first = randomBytes(16).toString('hex');
    await put(keys.offerer, message('C', first, Date.now() + 5 * 60000, randomPoint()));
    const profile = await person();
    const page = await start(profile, { role: 'answer', code, prefix: 'tg' });
    await until(keys.answerer, (m) => m && m.kind === 'R' && m.idHex === first, 'the page did not reply to the claim');
    await put(keys.offerer, message('X', first, Date.now() + 5 * 60000));
    await failedWith(page, WRONG_CODE, 'joining page');
    // The marker erased by a claim of the attacker's: a second guess, if the page replied to it.
    const second = randomBytes(16).toString('hex');
    await put(keys.offerer, message('C', second, Date.now() + 5 * 60000, randomPoint()));
    await start(page, { role: 'answer', code, prefix: 'tg' });
    await failedWith(page, USED, 'joining page, run again');
    const after = await read(keys.answerer);
    expect(after && after.idHex === first, `the page replied to the second claim: ${JSON.stringify(after)}`);
    return { code };
  },

  async 'answerer-marker'() {
    const keys = nameplateKeys('mk', 43);
    const code = await someCode(43);
    await put(keys.offerer, message('X', randomBytes(16).toString('hex'), Date.now() + 5 * 60000));
    const page = await start(await person(), { role: 'answer', code, prefix: 'mk' });
    await failedWith(page, WRONG_CODE, 'joining page');
    await put(keys.offerer, message('C', randomBytes(16).toString('hex'), Date.now() + 5 * 60000, randomPoint()));
    await start(page, { role: 'answer', code, prefix: 'mk' });
    await failedWith(page, USED, 'joining page, run again');
    const after = await read(keys.answerer);
    expect(after === null || after === '', `the page replied to the claim put over the marker: ${JSON.stringify(after)}`);
    return { code };
  },

  async 'offerer-one-guess'() {
    const keys = nameplateKeys('og', 44);
    const code = await someCode(44);
    const page = await start(await person(), { role: 'offer', code, prefix: 'og' });
    const claim = await until(keys.offerer, (m) => m && m.kind === 'C', "the page's claim");
    await put(keys.answerer, message('R', claim.idHex, claim.expires, Buffer.concat([randomPoint(), randomBytes(32)])));
    await failedWith(page, WRONG_CODE, 'offering page');
    await until(keys.offerer, (m) => m && m.kind === 'X' && m.idHex === claim.idHex, 'the page did not abandon the code');
    await put(keys.offerer, '');
    await start(page, { role: 'offer', code, prefix: 'og' });
    await failedWith(page, USED, 'offering page, run again');
    const after = await read(keys.offerer);
    expect(after === '', `the page claimed the code again: ${JSON.stringify(after)}`);
    return { code };
  },

  async 'busy-not-writable'() {
    const profile = await person();
    const refused = new Set();
    for (let n = 1; n <= 99; n++) refused.add(nameplateKeys('bz', n).offerer);
    let refusals = 0;
    await profile.route('**/dht/*', async (route) => {
      const key = new URL(route.request().url()).pathname.split('/').pop();
      if (route.request().method() === 'PUT' && refused.has(key) && route.request().postDataBuffer()?.length) {
        refusals++;
        await route.fulfill({ status: 502, contentType: 'text/plain', body: `the store of ${key} reached no node` });
        return;
      }
      await route.continue();
    });
    const offerer = await start(profile, { role: 'offer', prefix: 'bz' });
    const code = await shownCode(offerer);
    expect(Number(code.split('-')[0]) > 99 && refusals >= 3, `the code ${code} after ${refusals} refused writes`, await seen(offerer));
    const answerer = await start(await person(), { role: 'answer', code, prefix: 'bz' });
    await connected(answerer, 'joining page');
    await connected(offerer, 'offering page');
    return { code, refusals };
  },

  async 'offer-wait-limit'() {
    const profile = await person();
    for (const mode of ['plain', 'session']) {
      const page = await start(profile, { role: 'offer', mode, prefix: 'wl', timeoutSeconds: 3600 });
      await page.waitForFunction(() => document.getElementById('error').textContent !== '', null, { timeout: LIMIT_MS });
      const s = await seen(page);
      expect(s.error.includes('too long') && s.state !== 'working', `a wait of 3600 s (${mode}) was not refused`, s);
      await page.close();
    }
    // What the page then writes lives at most 10 min: a claim made with the longest wait allowed.
    const page = await start(profile, { role: 'offer', prefix: 'wl', timeoutSeconds: 600 });
    const code = await shownCode(page);
    const claim = await read(nameplateKeys('wl', Number(code.split('-')[0])).offerer);
    expect(claim && claim.expires <= Date.now() + 600000, `the claim expires ${claim && claim.expires - Date.now()} ms ahead`);
    await page.click('#stop');
    return {};
  },
};

// One at a time: the scenarios' pages and the attacker share one network's request rate at the gateway.
const names = wanted.length ? wanted : Object.keys(scenarios);
const unknown = names.filter((n) => !scenarios[n]);
if (unknown.length) {
  console.error(`pake-rules: no scenario ${unknown.join(', ')}; there are ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
let ok = true;
const queue = [...names];
async function worker() {
  while (queue.length) {
    const name = queue.shift();
    const started = Date.now();
    try {
      const result = await scenarios[name]();
      process.stdout.write(`${JSON.stringify({ scenario: name, event: 'passed', ms: Date.now() - started, ...result })}\n`);
    } catch (e) {
      ok = false;
      process.stdout.write(`${JSON.stringify({ scenario: name, event: 'failed', ms: Date.now() - started, error: e.message, details: e.details })}\n`);
    }
  }
}
try {
  await worker();
} finally {
  await browser.close().catch(() => {});
}
process.exit(ok ? 0 : 1);
