import { ScryptPasswordHasher } from '../../src/infrastructure/auth/scrypt-password-hasher';

describe('ScryptPasswordHasher', () => {
  const hasher = new ScryptPasswordHasher();

  it('stores scrypt$N$r$p$salt$hash with the default parameters, never the password', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{86}$/);
    expect(stored).not.toContain('correct horse');
    const [, , , , salt, key] = stored.split('$');
    expect(Buffer.from(salt, 'base64url')).toHaveLength(16);
    expect(Buffer.from(key, 'base64url')).toHaveLength(64);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hasher.hash('s3cret-pass');
    await expect(hasher.verify('s3cret-pass', stored)).resolves.toBe(true);
    await expect(hasher.verify('s3cret-pasS', stored)).resolves.toBe(false);
    await expect(hasher.verify('', stored)).resolves.toBe(false);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hasher.hash('same'), hasher.hash('same')]);
    expect(a).not.toBe(b);
    await expect(hasher.verify('same', a)).resolves.toBe(true);
    await expect(hasher.verify('same', b)).resolves.toBe(true);
  });

  it('reads the parameters from the stored value', async () => {
    const cheap = new ScryptPasswordHasher({ N: 1024, r: 8, p: 1 });
    const stored = await cheap.hash('pw-12345678');
    expect(stored.startsWith('scrypt$1024$8$1$')).toBe(true);
    await expect(hasher.verify('pw-12345678', stored)).resolves.toBe(true);
  });

  it('answers false (no error) for stored values it cannot read, or that ask for absurd costs', async () => {
    const good = await hasher.hash('pw');
    const [, , , , salt, key] = good.split('$');
    for (const bad of [
      '',
      'plaintext',
      'bcrypt$2b$10$abc',
      `scrypt$16384$8$1$${salt}`,
      `scrypt$16383$8$1$${salt}$${key}`, // N not a power of two
      `scrypt$${2 ** 24}$8$1$${salt}$${key}`, // N too large
      `scrypt$16384$999$1$${salt}$${key}`,
      `scrypt$16384$8$1$${salt}$not base64!`,
      `scrypt$16384$8$1$${salt}$${key.slice(0, 8)}`,
    ]) {
      await expect(hasher.verify('pw', bad)).resolves.toBe(false);
    }
  });
});
