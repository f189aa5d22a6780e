// Drives the dht-server's web page in headless Chromium (Debian's, never a downloaded one) for the
// browser tests. Usage: node drive-page.mjs SCENARIO.json
//
// A scenario: {"url", "chromium", "timeoutMs", "pages": [page, ...]} where a page is
// {"role": "offer"|"answer", "mode": "plain"|"session"|"secret", "code", "secret", "offerKey", "answerKey",
//  "timeoutSeconds", "hideLocalIps": bool, "browser": name, "send": text, "expect": text, "sendFile": path,
//  "expectFile": {"name", "sha256"}, "screenshot": path,
//  "hostile": [message, ...], "hostileLongLine": parts, "awaitSignal": name,
//  "expectShown": {"chat", "transfer", "transcript"}, "signal": name,
//  "url": this page's own address (a link with a code in its fragment), "linkOnly": bool (the link alone
//  sets the page up: nothing is chosen or typed before Connect), "reportCode": bool (report the short code
//  the page makes and shows, with its link, as {"event": "code"}), "chromiumArgs": [flags]}.
// hostile: raw text messages this page sends on its `peer` channel once connected (a hostile peer with a
// real page's connection); then, after another page gave "awaitSignal", a line of `hostileLongLine`
// parts of 65 000 characters (each message under 64 KiB). expectShown: text this page must show exactly
// (a chat line from the other side, a transfer label containing it, a transcript line containing it),
// after which it gives "signal".
// All pages run at once, each in a Chromium of its own (as two people's browsers are) unless they name
// the same "browser". Prints one JSON line per event; exits 0 when every page did all it was told.
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';

const scenario = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const limit = scenario.timeoutMs ?? 90000;

const started = Date.now();
function report(event) {
  event.ms = Date.now() - started;
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

const flags = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

// Chromium hides the machine's addresses behind mDNS names (.local) in its ICE candidates, as users'
// browsers do. Peers that cannot resolve those names still connect: the browser's connectivity checks
// reach the other side's (unhidden or resolvable) candidates, and the other side learns the browser's
// address from them (a peer-reflexive candidate). A page with hideLocalIps: false runs with the hiding
// turned off instead (--disable-features=WebRtcHideLocalIpsWithMdns), so plain host candidates are used.
async function launch(hideLocalIps, extra = []) {
  const args = [...(hideLocalIps === false ? [...flags, '--disable-features=WebRtcHideLocalIpsWithMdns'] : flags), ...extra];
  return chromium.launch({ executablePath: scenario.chromium ?? '/usr/bin/chromium', headless: true, args });
}

// Which candidates the connection uses (host, srflx, prflx, relay), as the page's peer connection reports.
async function candidatePath(page) {
  return page.evaluate(async () => {
    const pc = window.dhtPeer && window.dhtPeer.pc;
    if (!pc) return 'no peer connection';
    const stats = [...(await pc.getStats()).values()];
    const transport = stats.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
    const pair = transport ? stats.find((s) => s.id === transport.selectedCandidatePairId)
      : stats.find((s) => s.type === 'candidate-pair' && s.state === 'succeeded');
    const byId = (id) => stats.find((s) => s.id === id) || {};
    if (!pair) return `no pair among ${stats.map((s) => s.type).join(' ')}`;
    const local = byId(pair.localCandidateId);
    const remote = byId(pair.remoteCandidateId);
    const show = (c) => `${c.candidateType} ${c.address || '(address not shown)'}`;
    return { local: show(local), remote: show(remote) };
  }).catch((e) => `unknown: ${e.message}`);
}

async function describe(page) {
  return page.evaluate(() => ({
    state: document.body.dataset.state,
    status: document.getElementById('status').textContent,
    error: document.getElementById('error').textContent,
    transcript: [...document.querySelectorAll('#transcript li')].map((li) => li.textContent),
    chat: [...document.querySelectorAll('#chat-log li')].map((li) => `${li.className}: ${li.textContent}`),
    transfers: [...document.querySelectorAll('#transfers li')].map((li) => li.textContent),
  })).catch((e) => ({ unavailable: e.message }));
}

// Pages naming the same "browser" share one Chromium (each still in a context of its own, like separate
// profiles); others get one each.
const shared = new Map();
function browserFor(spec, index) {
  const key = spec.browser ?? `page-${index}`;
  if (!shared.has(key)) {
    const started = launch(spec.hideLocalIps, spec.chromiumArgs);
    started.then((b) => browsers.push(b), () => {});
    shared.set(key, started);
  }
  return shared.get(key);
}

async function run(spec, index) {
  const browser = await browserFor(spec, index);
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  try {
    await page.goto(spec.url ?? scenario.url);
    if (!spec.linkOnly) {
      await page.check(`#role-${spec.role}`);
      await page.check(`#mode-${spec.mode}`);
    }
    if (spec.code) await page.fill('#code', spec.code);
    if (spec.secret) await page.fill('#secret', spec.secret);
    // These fields are under "More options", folded away.
    await page.evaluate(([o, a, t]) => {
      if (o) document.getElementById('offer-key').value = o;
      if (a) document.getElementById('answer-key').value = a;
      if (t) document.getElementById('timeout').value = String(t);
      // Connecting gets as long as the Java peers' --connect-timeout in the tests: a busy machine is slow.
      if (t) document.getElementById('connect-timeout').value = String(Math.min(600, Math.ceil(t / 2)));
    }, [spec.offerKey, spec.answerKey, spec.timeoutSeconds]);
    await page.click('#start');
    if (spec.reportCode) {
      await page.waitForSelector('#share:not([hidden])', { timeout: limit });
      report({ page: index, event: 'code', code: await page.inputValue('#code'),
        link: await page.getAttribute('#share-link', 'href'), secureContext: await page.evaluate(() => window.isSecureContext) });
    }
    await page.waitForFunction(() => ['connected', 'failed', 'closed'].includes(document.body.dataset.state), null, { timeout: limit });
    const connected = await describe(page);
    if (connected.state !== 'connected') throw new Error(`did not connect: ${connected.error}`);
    report({ page: index, event: 'connected', transcript: connected.transcript, path: await candidatePath(page),
      secureContext: await page.evaluate(() => window.isSecureContext) });
    if (spec.hostile) {
      await page.evaluate((messages) => messages.forEach((m) => window.dhtPeer.peer.send(m)), spec.hostile);
      report({ page: index, event: 'hostile-sent', count: spec.hostile.length });
    }
    if (spec.awaitSignal) {
      await Promise.race([signal(spec.awaitSignal),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`no '${spec.awaitSignal}' from the other page`)), limit))]);
    }
    if (spec.hostileLongLine) {
      await page.evaluate((parts) => {
        const part = 'x'.repeat(65000);
        for (let i = 0; i < parts; i++) window.dhtPeer.peer.send(JSON.stringify({ type: 'line', text: part, more: i < parts - 1 }));
      }, spec.hostileLongLine);
      report({ page: index, event: 'hostile-long-line-sent', characters: 65000 * spec.hostileLongLine });
    }
    if (spec.expectShown) {
      const want = spec.expectShown;
      await page.waitForFunction((w) => {
        const texts = (sel) => [...document.querySelectorAll(sel)].map((li) => li.textContent);
        return (!w.chat || texts('#chat-log li.them').includes(w.chat))
          && (!w.transfer || texts('#transfers li').some((t) => t.includes(w.transfer)));
      }, want, { timeout: limit });
      report({ page: index, event: 'shown', chat: want.chat, transfer: want.transfer });
      if (spec.signal) signal(spec.signal, true);
      if (want.transcript) {
        await page.waitForFunction((t) => [...document.querySelectorAll('#transcript li')].some((li) => li.textContent.includes(t)),
          want.transcript, { timeout: limit });
        report({ page: index, event: 'shown-transcript', transcript: want.transcript, state: (await describe(page)).state });
      }
    }
    if (spec.send) {
      await page.fill('#chat-input', spec.send);
      await page.click('#chat-send');
      report({ page: index, event: 'sent', text: spec.send });
    }
    if (spec.expect) {
      await page.locator('#chat-log li.them', { hasText: spec.expect }).first().waitFor({ timeout: limit });
      report({ page: index, event: 'received', text: spec.expect });
    }
    if (spec.sendFile) {
      await page.setInputFiles('#file-input', spec.sendFile);
      await page.click('#file-send');
      await page.waitForSelector('#transfers li[data-direction=out][data-state=done]', { timeout: limit });
      report({ page: index, event: 'file-delivered', path: spec.sendFile });
    }
    if (spec.expectFile) {
      await page.waitForSelector('#transfers li[data-direction=in][data-state=done]', { timeout: limit });
      // Save it as a person would (the link), then check the saved bytes here, outside the page.
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: limit }),
        page.click('#transfers li[data-direction=in][data-state=done] a'),
      ]);
      const bytes = readFileSync(await download.path());
      const got = { name: download.suggestedFilename(), size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
      if (got.name !== spec.expectFile.name || got.sha256 !== spec.expectFile.sha256) {
        throw new Error(`received ${JSON.stringify(got)}, expected ${JSON.stringify(spec.expectFile)}`);
      }
      report({ page: index, event: 'file-received', ...got });
    }
    if (spec.screenshot) {
      await page.screenshot({ path: spec.screenshot, fullPage: true });
      report({ page: index, event: 'screenshot', path: spec.screenshot });
    }
    return { page, context, ok: true };
  } catch (e) {
    report({ page: index, event: 'failed', error: e.message, seen: await describe(page), console: consoleLines.slice(-20) });
    return { page, context, ok: false };
  }
}

// Signals between pages: one page waits until another has seen what it was to see.
const signals = new Map();
function signal(name, give = false) {
  if (!signals.has(name)) {
    let resolve;
    const p = new Promise((r) => { resolve = r; });
    signals.set(name, { p, resolve });
  }
  if (give) signals.get(name).resolve();
  return signals.get(name).p;
}

const browsers = [];
let ok = false;
try {
  const results = await Promise.all(scenario.pages.map(run));
  ok = results.every((r) => r.ok);
  // Leave through the page's own Stop button, as a person would, so the other side sees the channel close.
  for (const r of results) {
    await r.page.evaluate(() => document.getElementById('stop').click()).catch(() => {});
  }
  report({ event: ok ? 'done' : 'failed' });
} finally {
  await Promise.all(browsers.map((b) => b.close().catch(() => {})));
}
process.exit(ok ? 0 : 1);
