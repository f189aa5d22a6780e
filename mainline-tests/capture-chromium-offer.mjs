// Prints the SDP offer of a real Chromium for a data channel (host candidates only, no STUN), as saved in
// common/src/test/resources/sdp/chromium-offer.sdp for the compact-SDP round-trip test.
//
//   node --experimental-websocket capture-chromium-offer.mjs > chromium-offer.sdp
//
// Needs Debian's chromium. The browser listens for DevTools on a free loopback port and opens no page.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const profile = mkdtempSync(join(tmpdir(), 'chromium-offer-'))
const chrome = spawn('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--remote-debugging-port=0',
  '--remote-debugging-address=127.0.0.1', `--user-data-dir=${profile}`, 'about:blank'], { stdio: 'ignore' })
try {
  let port
  for (let i = 0; i < 150 && !port; i++) {
    try { port = readFileSync(join(profile, 'DevToolsActivePort'), 'utf8').split('\n')[0] } catch (e) {
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
  let page
  for (let i = 0; i < 50 && !page; i++) {
    const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()
    page = targets.find((t) => t.type === 'page')
    if (!page) await new Promise((resolve) => setTimeout(resolve, 200))
  }
  const ws = new WebSocket(page.webSocketDebuggerUrl)
  await new Promise((resolve) => ws.addEventListener('open', resolve))
  const expression = `(async () => {
    const pc = new RTCPeerConnection({ iceServers: [] });
    pc.createDataChannel('chat');
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
    });
    return pc.localDescription.sdp;
  })()`
  ws.send(JSON.stringify({ id: 1, method: 'Runtime.evaluate', params: { expression, awaitPromise: true, returnByValue: true } }))
  const reply = await new Promise((resolve) => ws.addEventListener('message', (e) => {
    const m = JSON.parse(e.data)
    if (m.id === 1) resolve(m)
  }))
  process.stdout.write(reply.result.result.value)
  ws.close()
} finally {
  chrome.kill()
  setTimeout(() => rmSync(profile, { recursive: true, force: true }), 500)
}
