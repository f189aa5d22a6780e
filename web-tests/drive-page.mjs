// Drives the dht-server's web page in headless Chromium (Debian's, never a downloaded one) for the
// browser tests. Usage: node drive-page.mjs SCENARIO.json
//
// A scenario: {"url", "chromium", "hideLocalIps", "timeoutMs", "screenshot", "pages": [page, ...]} where a
// page is {"role": "offer"|"answer", "mode": "plain"|"session"|"secret", "code", "secret", "send": text,
// "expect": text, "sendFile": path, "expectFile": {"name", "sha256"}}. All pages run at once, each in a
// browser context of its own. Prints one JSON line per event; exits 0 when every page did all it was told.
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';

const scenario = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const limit = scenario.timeoutMs ?? 90000;

function report(event) {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

const args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
// Chromium hides the machine's addresses behind mDNS names (.local) in ICE candidates. Peers that cannot
// resolve those still connect through the peer-reflexive path (the browser's checks reveal its address),
// which the tests run with hideLocalIps: true. Two headless browsers on this machine cannot resolve each
// other's names, so browser <-> browser cases turn the hiding off.
if (!scenario.hideLocalIps) args.push('--disable-features=WebRtcHideLocalIpsWithMdns');

const browser = await chromium.launch({ executablePath: scenario.chromium ?? '/usr/bin/chromium', headless: true, args });

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

async function run(spec, index) {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  try {
    await page.goto(scenario.url);
    await page.check(`#role-${spec.role}`);
    await page.check(`#mode-${spec.mode}`);
    if (spec.code) await page.fill('#code', spec.code);
    if (spec.secret) await page.fill('#secret', spec.secret);
    await page.click('#start');
    await page.waitForFunction(() => ['connected', 'failed'].includes(document.body.dataset.state), null, { timeout: limit });
    const connected = await describe(page);
    if (connected.state !== 'connected') throw new Error(`did not connect: ${connected.error}`);
    report({ page: index, event: 'connected', transcript: connected.transcript });
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
    if (scenario.screenshot && index === 0) {
      await page.screenshot({ path: scenario.screenshot, fullPage: true });
      report({ page: index, event: 'screenshot', path: scenario.screenshot });
    }
    return { page, context, ok: true };
  } catch (e) {
    report({ page: index, event: 'failed', error: e.message, seen: await describe(page), console: consoleLines.slice(-20) });
    return { page, context, ok: false };
  }
}

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
  await browser.close();
}
process.exit(ok ? 0 : 1);
