import crypto from 'node:crypto';
import type { PasswordHasher } from '../../application/ports/password-hasher';

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

const DEFAULT_PARAMS: ScryptParams = { N: 16384, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 64;
/** Upper bounds for parameters read back from storage, so a corrupt value cannot ask for gigabytes. */
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;

function scrypt(
  password: string,
  salt: Buffer,
  keyLength: number,
  { N, r, p }: ScryptParams,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // scrypt needs 128 * N * r * p bytes; node refuses above maxmem (32 MiB by default).
    const maxmem = 128 * N * r * p + 16 * 1024 * 1024;
    crypto.scrypt(password.normalize('NFKC'), salt, keyLength, { N, r, p, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/**
 * Memory-hard password hashing with node's scrypt (runs on the libuv thread pool, off the event loop).
 * Stored as `scrypt$N$r$p$salt$hash`, salt and hash base64url. The parameters travel with each hash,
 * so they can be raised later without invalidating existing accounts.
 */
export class ScryptPasswordHasher implements PasswordHasher {
  constructor(private readonly params: ScryptParams = DEFAULT_PARAMS) {}

  async hash(password: string): Promise<string> {
    const salt = crypto.randomBytes(SALT_BYTES);
    const key = await scrypt(password, salt, KEY_BYTES, this.params);
    const { N, r, p } = this.params;
    return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
  }

  async verify(password: string, stored: string): Promise<boolean> {
    const parsed = parse(stored);
    if (!parsed) return false;
    let key: Buffer;
    try {
      key = await scrypt(password, parsed.salt, parsed.hash.length, parsed.params);
    } catch {
      return false;
    }
    return crypto.timingSafeEqual(key, parsed.hash);
  }
}

function parse(stored: string): { params: ScryptParams; salt: Buffer; hash: Buffer } | undefined {
  const parts = typeof stored === 'string' ? stored.split('$') : [];
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map((part) => (/^\d{1,8}$/.test(part) ? Number(part) : NaN));
  if (!(N > 1 && N <= MAX_N && (N & (N - 1)) === 0)) return undefined;
  if (!(r >= 1 && r <= MAX_R && p >= 1 && p <= MAX_P)) return undefined;
  const b64url = /^[A-Za-z0-9_-]+$/;
  if (!b64url.test(parts[4]) || !b64url.test(parts[5])) return undefined;
  const salt = Buffer.from(parts[4], 'base64url');
  const hash = Buffer.from(parts[5], 'base64url');
  if (salt.length < 8 || hash.length < 16 || hash.length > 128) return undefined;
  return { params: { N, r, p }, salt, hash };
}
