// Copies the ES modules the web page uses from the npm packages in node_modules (installed by `npm ci` from
// package-lock.json) into dht-server's web/vendor/, byte for byte, with each package's LICENSE, and writes
// vendor/MANIFEST.txt: each package's version and npm integrity hash, and the SHA-256 of every file copied.
// Only the files the page's entry points import, directly or through others, are copied.
// Run by scripts/vendor-web.sh.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

const here = path.dirname(new URL(import.meta.url).pathname);
const out = path.resolve(here, '../dht-server/src/main/resources/dev/dhtsignal/server/web/vendor');
const packages = { '@noble/curves': 'noble-curves', '@noble/hashes': 'noble-hashes', '@noble/ciphers': 'noble-ciphers' };
const entries = ['@noble/curves/nist.js', '@noble/hashes/sha2.js', '@noble/hashes/hmac.js', '@noble/hashes/hkdf.js',
  '@noble/hashes/pbkdf2.js', '@noble/hashes/legacy.js', '@noble/ciphers/aes.js'];
const lock = JSON.parse(fs.readFileSync(path.join(here, 'package-lock.json'), 'utf8'));

function packageOf(specifier) {
  return Object.keys(packages).find((p) => specifier.startsWith(`${p}/`));
}

const files = new Map(); // absolute path -> package name
const queue = entries.map((e) => ({ file: path.join(here, 'node_modules', e), pkg: packageOf(e) }));
while (queue.length) {
  const { file, pkg } = queue.pop();
  if (files.has(file)) continue;
  files.set(file, pkg);
  const source = fs.readFileSync(file, 'utf8');
  // Static imports and re-exports start a line in these packages' built files; comments never do.
  for (const m of source.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gms)) {
    const spec = m[1];
    const bare = packageOf(spec);
    if (bare) queue.push({ file: path.join(here, 'node_modules', spec), pkg: bare });
    else if (spec.startsWith('.')) queue.push({ file: path.resolve(path.dirname(file), spec), pkg });
    else throw new Error(`${file} imports '${spec}', which is not vendored`);
  }
}

fs.rmSync(out, { recursive: true, force: true });
const manifest = ['# The libraries the page ships (scripts/vendor-web.sh; web-vendor/package-lock.json pins them).',
  '# package version npm-integrity, then each file copied with its SHA-256, byte for byte as npm ships it.'];
for (const [pkg, dir] of Object.entries(packages)) {
  const entry = lock.packages[`node_modules/${pkg}`];
  manifest.push(`${pkg} ${entry.version} ${entry.integrity}`);
  const root = path.join(here, 'node_modules', pkg);
  fs.mkdirSync(path.join(out, dir), { recursive: true });
  fs.copyFileSync(path.join(root, 'LICENSE'), path.join(out, dir, 'LICENSE'));
  const mine = [...files].filter(([, p]) => p === pkg).map(([f]) => path.relative(root, f)).sort();
  for (const rel of mine) {
    const target = path.join(out, dir, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(root, rel), target);
    const sha = crypto.createHash('sha256').update(fs.readFileSync(target)).digest('hex');
    manifest.push(`  ${dir}/${rel} ${sha}`);
  }
}
fs.writeFileSync(path.join(out, 'MANIFEST.txt'), `${manifest.join('\n')}\n`);
let bytes = 0;
for (const f of files.keys()) bytes += fs.statSync(f).size;
console.log(`vendor-web: ${files.size} files, ${bytes} bytes, in ${path.relative(process.cwd(), out)}`);
