import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Clock } from '../../application/ports/clock';
import {
  CiphertextError,
  EncryptionKeyError,
  type CardEncryption,
  type EncryptionCertificate,
} from '../../application/ports/card-encryption';

const generateKeyPair = promisify(crypto.generateKeyPair);

const DAY_MS = 24 * 60 * 60 * 1000;
/** A key is handed out during its day and accepted for one more: whoever fetched it has at least 24 h to pay. */
const VALID_DAYS = 2;
const MODULUS_BITS = 2048;
const CIPHERTEXT_BYTES = MODULUS_BITS / 8;
/** Key ids: `ck-YYYYMMDD-` and 16 random lower-case letters (no digit runs: the card-data guard must never see one). */
const KEY_ID = /^ck-(\d{8})-([a-z]{16})$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const FILE_VERSION = 1;

interface KeyFile {
  version: number;
  keyId: string;
  createdAt: string;
  expiresAt: string;
  publicKeyPem: string;
  /** PKCS#8, AES-256-CBC under a passphrase derived from the JWT secret and the key id (never stored). */
  encryptedPrivateKeyPem: string;
}

interface LoadedKey {
  keyId: string;
  publicKeyPem: string;
  privateKey: crypto.KeyObject;
  expiresAt: Date;
}

/**
 * The daily RSA key ring behind `GET /partners/v1/certificate`, kept in `DATA_DIR/card-keys/` so a restart keeps
 * its keys and every process on the data directory hands out the same one.
 *
 * One key per UTC day, created by the first process that needs it: it writes the key to a temporary file and
 * hard-links it to the day's name, which fails when another process got there first (create-if-absent, atomic on
 * POSIX file systems); the loser uses the winner's key. Files are 0600 in a 0700 directory, and the private key is
 * stored only encrypted (PKCS#8 with AES-256-CBC; the passphrase is derived with HKDF from the JWT secret and the
 * key id). The file name carries a fingerprint of the secret, so a changed JWT secret starts a new ring instead of
 * failing on keys it cannot open (payments under the old keys are then refused as unknown keys).
 *
 * Files older than their validity are deleted when a new day's key is created.
 */
export class RsaCardKeyRing implements CardEncryption {
  private readonly keys = new Map<string, LoadedKey>();
  private readonly creating = new Map<string, Promise<LoadedKey>>();
  private readonly fingerprint: string;
  private dirReady = false;

  constructor(
    private readonly options: {
      dir: string;
      /** The JWT secret: the wrapping key is derived from it. */
      secret: string;
      clock: Clock;
    },
  ) {
    this.fingerprint = crypto
      .createHmac('sha256', options.secret)
      .update('card-key-ring/file-name')
      .digest('hex')
      .slice(0, 12);
  }

  async current(): Promise<EncryptionCertificate> {
    const day = dayOf(this.options.clock.now());
    const key = (await this.load(day)) ?? (await this.create(day));
    return { encryptionKey: key.keyId, publicKeyPem: key.publicKeyPem, expiresAt: key.expiresAt };
  }

  async decrypt(encryptionKey: string, ciphertextBase64: string): Promise<Buffer> {
    const match = KEY_ID.exec(encryptionKey);
    if (!match) throw new EncryptionKeyError('unknown');
    const day = match[1];
    const now = this.options.clock.now().getTime();
    const start = startOf(day);
    if (Number.isNaN(start) || start > now) throw new EncryptionKeyError('unknown');
    if (now >= start + VALID_DAYS * DAY_MS) throw new EncryptionKeyError('expired');
    const key = await this.load(day);
    if (!key || key.keyId !== encryptionKey) throw new EncryptionKeyError('unknown');

    const compact = ciphertextBase64.replace(/[\r\n]/g, '');
    if (!BASE64.test(compact) || compact.length % 4 !== 0) throw new CiphertextError('not_encrypted');
    const ciphertext = Buffer.from(compact, 'base64');
    if (ciphertext.length !== CIPHERTEXT_BYTES) throw new CiphertextError('not_encrypted');
    try {
      return crypto.privateDecrypt(
        { key: key.privateKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        ciphertext,
      );
    } catch {
      throw new CiphertextError('undecryptable');
    }
  }

  private fileOf(day: string): string {
    return path.join(this.options.dir, `${day}-${this.fingerprint}.json`);
  }

  /** The day's key from memory or from its file; undefined when no process has created it yet. */
  private async load(day: string): Promise<LoadedKey | undefined> {
    const cached = this.keys.get(day);
    if (cached) return cached;
    let text: string;
    try {
      text = await fs.promises.readFile(this.fileOf(day), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const file = JSON.parse(text) as KeyFile;
    if (file.version !== FILE_VERSION) throw new Error(`Card key file for ${day} has an unknown version`);
    const loaded: LoadedKey = {
      keyId: file.keyId,
      publicKeyPem: file.publicKeyPem,
      privateKey: crypto.createPrivateKey({
        key: file.encryptedPrivateKeyPem,
        format: 'pem',
        passphrase: this.passphrase(file.keyId),
      }),
      expiresAt: new Date(file.expiresAt),
    };
    this.keys.set(day, loaded);
    return loaded;
  }

  private create(day: string): Promise<LoadedKey> {
    let pending = this.creating.get(day);
    if (!pending) {
      pending = this.createOnce(day).finally(() => this.creating.delete(day));
      this.creating.set(day, pending);
    }
    return pending;
  }

  private async createOnce(day: string): Promise<LoadedKey> {
    this.ensureDir();
    const keyId = `ck-${day}-${randomLetters(16)}`;
    const { publicKey, privateKey } = await generateKeyPair('rsa', {
      modulusLength: MODULUS_BITS,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: {
        type: 'pkcs8',
        format: 'pem',
        cipher: 'aes-256-cbc',
        passphrase: this.passphrase(keyId),
      },
    });
    const file: KeyFile = {
      version: FILE_VERSION,
      keyId,
      createdAt: this.options.clock.now().toISOString(),
      expiresAt: new Date(startOf(day) + VALID_DAYS * DAY_MS).toISOString(),
      publicKeyPem: publicKey,
      encryptedPrivateKeyPem: privateKey,
    };
    const target = this.fileOf(day);
    const temporary = `${target}.${process.pid}.${randomLetters(8)}.tmp`;
    const handle = await fs.promises.open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(JSON.stringify(file));
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      // Atomic create-if-absent with the whole content: another process either sees no file or this one.
      await fs.promises.link(temporary, target);
      this.pruneExpired(day);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      await fs.promises.unlink(temporary).catch(() => undefined);
    }
    const loaded = await this.load(day);
    if (!loaded) throw new Error(`Card key file for ${day} vanished after it was created`);
    return loaded;
  }

  private passphrase(keyId: string): string {
    return Buffer.from(
      crypto.hkdfSync('sha256', this.options.secret, keyId, 'card-key-ring/private-key-wrap', 32),
    ).toString('base64');
  }

  private ensureDir(): void {
    if (this.dirReady) return;
    fs.mkdirSync(this.options.dir, { recursive: true, mode: 0o700 });
    if (process.platform !== 'win32') fs.chmodSync(this.options.dir, 0o700);
    this.dirReady = true;
  }

  /** Best effort: key files whose validity ended are of no use any more. */
  private pruneExpired(today: string): void {
    const oldest = startOf(today) - VALID_DAYS * DAY_MS;
    for (const name of fs.readdirSync(this.options.dir)) {
      const day = /^(\d{8})-[0-9a-f]{12}\.json$/.exec(name)?.[1];
      if (day && startOf(day) < oldest) fs.rmSync(path.join(this.options.dir, name), { force: true });
    }
    for (const day of this.keys.keys()) if (startOf(day) < oldest) this.keys.delete(day);
  }
}

/** `YYYYMMDD` of the UTC day. */
function dayOf(time: Date): string {
  return time.toISOString().slice(0, 10).replace(/-/g, '');
}

function startOf(day: string): number {
  return Date.parse(`${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}T00:00:00Z`);
}

function randomLetters(count: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz';
  let out = '';
  // randomInt is unbiased; 16 letters carry ~75 bits, plenty for an id that is not a secret anyway.
  for (let i = 0; i < count; i += 1) out += alphabet[crypto.randomInt(alphabet.length)];
  return out;
}
