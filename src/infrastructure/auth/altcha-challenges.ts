import crypto from 'node:crypto';
import { createChallenge, extractParams, verifySolution } from 'altcha-lib/v1';
import type { Challenges, ProofOfWorkChallenge } from '../../application/ports/challenges';
import type { Clock } from '../../application/ports/clock';

/** Only SHA-256: altcha would accept SHA-1 from the client, and an unknown name would throw inside WebCrypto. */
const ALGORITHM = 'SHA-256';
const HEX_64 = /^[0-9a-f]{64}$/;
const MAX_PAYLOAD = 2048;

/**
 * ALTCHA (altcha-lib's classic v1 format). The HMAC key is derived from the application secret with a purpose
 * label, so the JWT signing key itself never signs anything else. Each challenge carries, inside its signed salt,
 * the scope it was made for and its expiry; expiry is checked against the application's clock (altcha-lib's own
 * check reads Date.now, which would disagree with a clock the application was given).
 */
export class AltchaChallenges implements Challenges {
  private readonly hmacKey: string;

  constructor(
    secret: string,
    private readonly clock: Clock,
    private readonly ttlSeconds: number,
  ) {
    this.hmacKey = crypto.createHmac('sha256', secret).update('ticketing/altcha-challenge/v1').digest('hex');
  }

  async create(scope: string, maxNumber: number): Promise<ProofOfWorkChallenge> {
    const expires = new Date(this.clock.now().getTime() + this.ttlSeconds * 1000);
    const challenge = await createChallenge({
      algorithm: ALGORITHM,
      hmacKey: this.hmacKey,
      maxnumber: maxNumber,
      params: { scope },
      expires,
    });
    return { ...challenge, maxnumber: challenge.maxnumber ?? maxNumber };
  }

  async verify(encoded: string, scope: string): Promise<{ challengeId: string } | undefined> {
    const payload = decode(encoded);
    if (!payload) return undefined;
    const params = extractParams(payload);
    if (params.scope !== scope) return undefined;
    const expires = Number(params.expires);
    if (!Number.isSafeInteger(expires) || expires * 1000 <= this.clock.now().getTime()) return undefined;
    // Expiry was checked above, on our clock.
    if (!(await verifySolution(payload, this.hmacKey, false))) return undefined;
    return { challengeId: crypto.createHash('sha256').update(payload.signature).digest('hex') };
  }
}

interface Solution {
  algorithm: 'SHA-256';
  challenge: string;
  number: number;
  salt: string;
  signature: string;
}

/** The widget's payload, checked for shape before any of it reaches the library. */
function decode(encoded: string): Solution | undefined {
  if (encoded.length > MAX_PAYLOAD) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const p = value as Record<string, unknown>;
  const ok =
    p.algorithm === ALGORITHM &&
    typeof p.challenge === 'string' &&
    HEX_64.test(p.challenge) &&
    typeof p.signature === 'string' &&
    HEX_64.test(p.signature) &&
    typeof p.salt === 'string' &&
    p.salt.length <= 512 &&
    typeof p.number === 'number' &&
    Number.isSafeInteger(p.number) &&
    p.number >= 0;
  return ok
    ? {
        algorithm: ALGORITHM,
        challenge: p.challenge as string,
        number: p.number as number,
        salt: p.salt as string,
        signature: p.signature as string,
      }
    : undefined;
}
