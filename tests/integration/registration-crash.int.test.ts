import { v7 as uuidv7 } from 'uuid';
import { emailKey, emailStream } from '../../src/application/customer/customer-processors';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * A registration killed between its two appends (the email's claim, then the account) leaves the email claimed by
 * no account. The next registration of that email finishes it instead of answering EMAIL_TAKEN forever.
 */
describe('registration after a crash between the email claim and the account', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  /** The log as the crashed registration left it: the claim only. */
  async function orphanClaim(email: string): Promise<string> {
    const userId = uuidv7();
    await t.app.store.append(
      emailStream(emailKey(email)),
      [
        {
          id: uuidv7(),
          type: 'EmailClaimed',
          data: { email, userId },
          metadata: { correlationId: 'crashed', causationId: 'crashed', userId, schemaVersion: 1 },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    return userId;
  }

  it('the next registration finishes the account under the claimed id; then the email is taken', async () => {
    const email = `crashed-${Date.now()}@example.test`;
    const claimed = await orphanClaim(email);
    const before = await t.call('POST', '/v1/auth/token', {
      body: { grant_type: 'password', email, password: 'a-good-password-1' },
    });
    expect(before.status).toBe(401);

    const registered = await t.call('POST', '/v1/auth/register', {
      body: { email, password: 'a-good-password-1', name: 'Back Again' },
    });
    expect(registered.status).toBe(201);
    expect(registered.body.user_id).toBe(claimed);
    const token = await t.call('POST', '/v1/auth/token', {
      body: { grant_type: 'password', email, password: 'a-good-password-1' },
    });
    expect(token.status).toBe(200);

    const again = await t.call('POST', '/v1/auth/register', {
      body: { email, password: 'another-password-2', name: 'Someone Else' },
    });
    expect([again.status, again.body.error.code]).toEqual([409, 'EMAIL_TAKEN']);
    const stillMine = await t.call('POST', '/v1/auth/token', {
      body: { grant_type: 'password', email, password: 'another-password-2' },
    });
    expect(stillMine.status).toBe(401);
  });

  it('two registrations racing for an orphaned claim: one account, the other EMAIL_TAKEN', async () => {
    const email = `raced-${Date.now()}@example.test`;
    await orphanClaim(email);
    const answers = await Promise.all(
      ['first-password-1', 'second-password-2', 'third-password-3'].map((password) =>
        t.call('POST', '/v1/auth/register', { body: { email, password, name: 'Racer' } }),
      ),
    );
    const created = answers.filter((a) => a.status === 201);
    expect(created).toHaveLength(1);
    for (const other of answers.filter((a) => a.status !== 201))
      expect([other.status, other.body.error.code]).toEqual([409, 'EMAIL_TAKEN']);
    const customers = (await t.app.store.readAll()).filter(
      (e) => e.type === 'CustomerRegistered' && (e.data as { email: string }).email === email,
    );
    expect(customers).toHaveLength(1);
  });
});
