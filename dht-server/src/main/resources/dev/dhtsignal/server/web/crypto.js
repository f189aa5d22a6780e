// The hashes, MACs, key derivations and AES-GCM the page needs, from WebCrypto where the browser offers it,
// and from the vendored @noble libraries where it does not: browsers give WebCrypto (crypto.subtle) only to
// secure contexts (served over TLS, or from this machine: localhost, 127.0.0.1), so a phone that opens a
// link to this page at 192.168.1.20:8080 over plain HTTP has none. The two give the same bytes (RFC 5869 HKDF, RFC 8018 PBKDF2,
// NIST GCM); the libraries are loaded only when needed.

const subtle = globalThis.crypto && globalThis.crypto.subtle;
const encoder = new TextEncoder();

/** Whether WebCrypto is there (a secure context); without it the libraries do the work, more slowly. */
export const native = Boolean(subtle);

let libraries = null;

function noble() {
  if (!libraries) {
    libraries = Promise.all([
      import('./vendor/noble-hashes/sha2.js'),
      import('./vendor/noble-hashes/legacy.js'),
      import('./vendor/noble-hashes/hmac.js'),
      import('./vendor/noble-hashes/hkdf.js'),
      import('./vendor/noble-hashes/pbkdf2.js'),
      import('./vendor/noble-ciphers/aes.js'),
    ]).then(([sha2, legacy, hmac, hkdf, pbkdf2, aes]) => ({
      sha256: sha2.sha256, sha1: legacy.sha1, hmac: hmac.hmac, hkdf: hkdf.hkdf, pbkdf2Async: pbkdf2.pbkdf2Async, gcm: aes.gcm,
    }));
  }
  return libraries;
}

export function bytesOf(textOrBytes) {
  return typeof textOrBytes === 'string' ? encoder.encode(textOrBytes) : textOrBytes;
}

export async function sha1(data) {
  if (native) return new Uint8Array(await subtle.digest('SHA-1', bytesOf(data)));
  return (await noble()).sha1(bytesOf(data));
}

export async function sha256(data) {
  if (native) return new Uint8Array(await subtle.digest('SHA-256', bytesOf(data)));
  return (await noble()).sha256(bytesOf(data));
}

/** SHA-256 of a Blob (a file), read in parts when the libraries do it, so a large file is not copied whole. */
export async function sha256OfBlob(blob) {
  if (native) return new Uint8Array(await subtle.digest('SHA-256', await blob.arrayBuffer()));
  const hash = (await noble()).sha256.create();
  const part = 4 * 1024 * 1024;
  for (let offset = 0; offset < blob.size; offset += part) {
    hash.update(new Uint8Array(await blob.slice(offset, offset + part).arrayBuffer()));
  }
  return hash.digest();
}

export async function hmacSha256(key, data) {
  if (native) {
    const k = await subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return new Uint8Array(await subtle.sign('HMAC', k, bytesOf(data)));
  }
  const n = await noble();
  return n.hmac(n.sha256, key, bytesOf(data));
}

/** HKDF-SHA256 (RFC 5869). An empty salt is HMAC with an empty key, the same as the RFC's string of zeros. */
export async function hkdf(ikm, salt, info, length = 32) {
  if (native) {
    const k = await subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
    return new Uint8Array(await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info: bytesOf(info) }, k, length * 8));
  }
  const n = await noble();
  return n.hkdf(n.sha256, ikm, salt, bytesOf(info), length);
}

export async function pbkdf2Sha256(secret, salt, iterations) {
  if (native) {
    const k = await subtle.importKey('raw', bytesOf(secret), 'PBKDF2', false, ['deriveBits']);
    return new Uint8Array(await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, k, 256));
  }
  const n = await noble();
  return n.pbkdf2Async(n.sha256, bytesOf(secret), salt, { c: iterations, dkLen: 32 });
}

/** AES-256-GCM with a 16-byte tag, appended to the ciphertext. */
export async function aesGcmSeal(key, iv, aad, plaintext) {
  if (native) {
    const k = await subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt']);
    return new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad, tagLength: 128 }, k, plaintext));
  }
  return (await noble()).gcm(key, iv, aad).encrypt(plaintext);
}

/** The plaintext, or null when the tag does not verify (wrong key, tampered, forged). */
export async function aesGcmOpen(key, iv, aad, sealed) {
  try {
    if (native) {
      const k = await subtle.importKey('raw', key, 'AES-GCM', false, ['decrypt']);
      return new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv, additionalData: aad, tagLength: 128 }, k, sealed));
    }
    return (await noble()).gcm(key, iv, aad).decrypt(sealed);
  } catch {
    return null;
  }
}
