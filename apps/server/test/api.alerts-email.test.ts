import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { type ApiHarness, createApiHarness } from './support/http/api-harness.ts';

interface Mail {
  from: string;
  to: string[];
  data: string;
}

/** A local SMTP server that keeps every message it receives. */
async function startSmtpServer(): Promise<{ port: number; mails: Mail[]; close: () => Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let data = '';
      stream.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((recipient) => recipient.address),
          data,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, mails, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('email alert channel through a local SMTP server', { timeout: 60_000 }, () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let harness: ApiHarness;
  let withoutSmtp: ApiHarness;

  before(async () => {
    smtp = await startSmtpServer();
    harness = await createApiHarness({
      environment: {
        RUNECAST_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        RUNECAST_SMTP_FROM: 'alerts@desk.example.com',
      },
    });
    withoutSmtp = await createApiHarness();
  });

  after(async () => {
    await harness?.close();
    await withoutSmtp?.close();
    await smtp?.close();
  });

  test('a test notification arrives as mail to the channel address, with the event id header', async () => {
    const { token } = await harness.createUser();
    const created = await harness.request({
      method: 'POST',
      url: '/api/v1/alerts/channels',
      token,
      body: { kind: 'email', name: 'inbox', to: 'Trader@Example.com' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const channel = created.json() as { id: string; target: string; secret: string | null };
    assert.equal(channel.secret, null);
    assert.equal(channel.target, 't…@example.com', 'the address is masked');

    const tested = await harness.request({
      method: 'POST',
      url: `/api/v1/alerts/channels/${channel.id}/test`,
      token,
    });
    assert.equal(tested.statusCode, 200, tested.body);
    assert.equal((tested.json() as { delivered: boolean }).delivered, true, tested.body);
    assert.equal(smtp.mails.length, 1);
    const mail = smtp.mails[0]!;
    assert.equal(mail.from, 'alerts@desk.example.com');
    assert.deepEqual(mail.to, ['trader@example.com']);
    // The subject is MIME-encoded (it holds quotes); the body carries the message as written.
    assert.match(mail.data, /^Subject: =\?UTF-8\?Q\?Runecast_test_notification_for_channel/m);
    assert.match(mail.data, /\r\n\r\nRunecast test notification for channel "inbox"\r\n/);
    assert.match(mail.data, /^X-Runecast-Event-Id: [0-9a-f-]{36}\r$/im);
  });

  test('with the SMTP server gone, the test answers not delivered with the reason, not a server error', async () => {
    const { token } = await harness.createUser();
    const created = await harness.request({
      method: 'POST',
      url: '/api/v1/alerts/channels',
      token,
      body: { kind: 'email', name: 'inbox', to: 'ops@example.com' },
    });
    const { id } = created.json() as { id: string };
    await smtp.close();
    const tested = await harness.request({
      method: 'POST',
      url: `/api/v1/alerts/channels/${id}/test`,
      token,
    });
    assert.equal(tested.statusCode, 200, tested.body);
    const result = tested.json() as { delivered: boolean; error: string };
    assert.equal(result.delivered, false);
    assert.match(result.error, /^SMTP: /);
  });

  test('without an SMTP server configured, an email channel is refused with the setting to change', async () => {
    const { token } = await withoutSmtp.createUser();
    const created = await withoutSmtp.request({
      method: 'POST',
      url: '/api/v1/alerts/channels',
      token,
      body: { kind: 'email', name: 'inbox', to: 'ops@example.com' },
    });
    assert.equal(created.statusCode, 400, created.body);
    assert.match((created.json() as { error: { message: string } }).error.message, /RUNECAST_SMTP_URL/);
  });
});
