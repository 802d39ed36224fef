import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ApiHarness, createApiHarness } from './support/http/api-harness.ts';

interface Event {
  series: string;
  message: string;
}

describe('security alerts for admins', { timeout: 60_000 }, () => {
  let harness: ApiHarness;
  let admin: string;

  const securityEvents = async (): Promise<Event[]> => {
    const response = await harness.request({ method: 'GET', url: '/api/v1/alerts/history', token: admin });
    return (response.json() as { events: Event[] }).events.filter((event) => event.series === 'security');
  };

  const waitForEvents = async (count: number): Promise<Event[]> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const events = await securityEvents();
      if (events.length >= count || Date.now() > deadline) return events;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  before(async () => {
    harness = await createApiHarness({ limits: { accountStateCacheTtlMs: 0 } });
    admin = await harness.adminToken();
  });

  after(async () => {
    await harness?.close();
  });

  test('only admins may make security rules', async () => {
    const user = await harness.createUser();
    const refused = await harness.request({
      method: 'POST',
      url: '/api/v1/alerts/rules',
      token: user.token,
      body: { name: 'watch log-ins', condition: { kind: 'security' } },
    });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /security rules are for admins/);
    const made = await harness.request({
      method: 'POST',
      url: '/api/v1/alerts/rules',
      token: admin,
      body: { name: 'security', condition: { kind: 'security' }, severity: 'critical' },
    });
    assert.equal(made.statusCode, 201, made.body);
  });

  test("a disabled account's token fires once however often it is presented", async () => {
    const user = await harness.createUser();
    const disabled = await harness.request({
      method: 'PATCH',
      url: `/api/v1/admin/users/${user.id}`,
      token: admin,
      body: { disabled: true },
    });
    assert.equal(disabled.statusCode, 200, disabled.body);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const refused = await harness.request({ method: 'GET', url: '/api/v1/markets', token: user.token });
      assert.equal((refused.json() as { error: { code: string } }).error.code, 'account_disabled');
    }
    const events = await waitForEvents(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const settled = await securityEvents();
    assert.equal(settled.length, 1, JSON.stringify(settled));
    assert.match(
      events[0]!.message,
      new RegExp(`disabled-account-token: a token of the disabled account ${user.email}`),
    );
  });

  test('an API key used from a new address fires; the address it always uses does not', async () => {
    const user = await harness.createUser();
    const created = await harness.request({
      method: 'POST',
      url: '/api/v1/api-keys',
      token: user.token,
      body: { name: 'bot', scope: 'read' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const { key } = created.json() as { key: string };
    const before = (await securityEvents()).length;
    const from = (remoteAddress: string) =>
      harness.app.inject({
        method: 'GET',
        url: '/api/v1/markets',
        headers: { 'x-api-key': key },
        remoteAddress,
      });
    assert.equal((await from('10.0.0.5')).statusCode, 200);
    assert.equal((await from('10.0.0.5')).statusCode, 200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await securityEvents()).length, before, 'the same address is not news');
    assert.equal((await from('203.0.113.9')).statusCode, 200);
    const events = await waitForEvents(before + 1);
    assert.match(
      events[0]!.message,
      /api-key-new-address: API key \S+ of \S+ was used from 203\.0\.113\.9 \(before: 10\.0\.0\.5\)/,
    );
  });
});
