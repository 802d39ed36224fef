import { createHmac } from 'node:crypto';
import { createTransport, type Transporter } from 'nodemailer';
import type { AlertEvent } from '@runecast/contracts';

/** A channel's full address, kept sealed in the secret store. */
export type ChannelAddress =
  | { kind: 'webhook'; url: string; secret: string }
  | { kind: 'discord'; url: string }
  | { kind: 'slack'; url: string }
  | { kind: 'telegram'; botToken: string; chatId: string }
  | { kind: 'email'; to: string };

/** What a notification says, whichever channel carries it. */
export interface Notification {
  /** The event id, or a fresh id for a test notification; receivers de-duplicate on it. */
  id: string;
  type: 'alert' | 'test' | 'digest';
  event: Pick<
    AlertEvent,
    'ruleId' | 'ruleName' | 'series' | 'severity' | 'firedAtMs' | 'message' | 'values'
  > | null;
  message: string;
  /** A daily digest's day and firings (webhooks carry them as `digest`). */
  digest?: {
    channelId: string;
    day: string;
    timeZone: string;
    fromMs: number;
    toMs: number;
    firingCount: number;
    events: {
      id: string;
      ruleName: string;
      series: string;
      severity: string;
      firedAtMs: number;
      message: string;
    }[];
  };
}

export interface SendResult {
  delivered: boolean;
  status: number | null;
  error: string | null;
  /** The receiver asked to wait this long before the next try (429 `Retry-After`, `retry_after`). */
  retryAfterMs: number | null;
}

export interface AlertSenderOptions {
  /** Telegram's Bot API address (a local receiver in tests). */
  telegramApiUrl?: string;
  /** SMTP server of the email channel (`smtp://user:pass@host:587`); none: no email channel. */
  smtpUrl?: string | null;
  /** Sender address of alert emails. */
  smtpFrom?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export const SIGNATURE_HEADER = 'X-Runecast-Signature';
export const EVENT_ID_HEADER = 'X-Runecast-Event-Id';

/** `sha256=<hex>`: HMAC-SHA256 of the raw body with the channel's secret. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The address as shown to its owner after creation: no secret, no token. */
export function maskAddress(address: ChannelAddress): string {
  if (address.kind === 'telegram') return `telegram chat ${address.chatId}`;
  if (address.kind === 'email') {
    const [local = '', domain = ''] = address.to.split('@');
    return `${local.slice(0, 1)}…@${domain}`;
  }
  const url = new URL(address.url);
  const path = url.pathname.length > 12 ? `${url.pathname.slice(0, 12)}…` : url.pathname;
  return `${url.protocol}//${url.host}${path}`;
}

function parseRetryAfter(response: Response, body: unknown): number | null {
  const header = response.headers.get('retry-after');
  if (header !== null && /^\d+(\.\d+)?$/.test(header.trim())) return Number(header) * 1000;
  // Discord's and Telegram's bodies say it too (seconds).
  const record = (body ?? {}) as { retry_after?: unknown; parameters?: { retry_after?: unknown } };
  const seconds = record.retry_after ?? record.parameters?.retry_after;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}

/**
 * Posts notifications to webhooks, Discord, Slack and Telegram in each one's own format. A
 * non-2xx answer, a timeout or a refused connection is a failed try, never an exception.
 */
export class AlertSender {
  private readonly telegramApiUrl: string;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;
  private readonly smtpUrl: string | null;
  private readonly smtpFrom: string;
  private mailer: Transporter | null = null;

  constructor(options: AlertSenderOptions = {}) {
    this.telegramApiUrl = (options.telegramApiUrl ?? 'https://api.telegram.org').replace(/\/$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetch = options.fetch ?? fetch;
    this.smtpUrl = options.smtpUrl ?? null;
    this.smtpFrom = options.smtpFrom ?? 'alerts@runecast.local';
  }

  /** Whether email channels can be used (an SMTP server is configured). */
  get sendsEmail(): boolean {
    return this.smtpUrl !== null;
  }

  async send(address: ChannelAddress, notification: Notification): Promise<SendResult> {
    if (address.kind === 'email') return this.sendEmail(address.to, notification);
    const { url, body, headers } = this.request(address, notification);
    let response: Response;
    try {
      response = await this.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Runecast-Alerts/1', ...headers },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const reason =
        error instanceof Error
          ? error.cause instanceof Error
            ? error.cause.message
            : error.message
          : String(error);
      return {
        delivered: false,
        status: null,
        error: `could not reach the receiver: ${reason}`,
        retryAfterMs: null,
      };
    }
    const text = await response.text().catch(() => '');
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (response.ok) {
      // Telegram answers 200 with {"ok": false} for some refusals.
      if (address.kind === 'telegram' && (parsed as { ok?: unknown } | null)?.ok !== true) {
        return {
          delivered: false,
          status: response.status,
          error: `telegram refused: ${text.slice(0, 200)}`,
          retryAfterMs: null,
        };
      }
      return { delivered: true, status: response.status, error: null, retryAfterMs: null };
    }
    return {
      delivered: false,
      status: response.status,
      error: `receiver answered ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
      retryAfterMs: parseRetryAfter(response, parsed),
    };
  }

  private async sendEmail(to: string, notification: Notification): Promise<SendResult> {
    if (this.smtpUrl === null) {
      return {
        delivered: false,
        status: null,
        error: 'no SMTP server is configured (RUNECAST_SMTP_URL)',
        retryAfterMs: null,
      };
    }
    if (this.mailer === null) {
      // Timeouts travel as URL parameters, which nodemailer reads as transport options.
      const url = new URL(this.smtpUrl);
      for (const name of ['connectionTimeout', 'greetingTimeout', 'socketTimeout']) {
        if (!url.searchParams.has(name)) url.searchParams.set(name, String(this.timeoutMs));
      }
      this.mailer = createTransport(url.toString());
    }
    const severity = notification.event?.severity;
    try {
      const info = await this.mailer.sendMail({
        from: this.smtpFrom,
        to,
        // A digest's message has a line per firing: its heading is the subject.
        subject: `${severity ? `[${severity}] ` : ''}${notification.message.split('\n')[0]}`.slice(0, 200),
        text: `${notification.message}\n${
          notification.event
            ? `\n${Object.entries(notification.event.values)
                .map(([name, value]) => `${name}: ${value}`)
                .join('\n')}\n`
            : ''
        }\nRunecast event ${notification.id}\n`,
        headers: { [EVENT_ID_HEADER]: notification.id },
      });
      return {
        delivered: (info.rejected ?? []).length === 0,
        status: null,
        error: (info.rejected ?? []).length > 0 ? `refused: ${(info.rejected ?? []).join(', ')}` : null,
        retryAfterMs: null,
      };
    } catch (error) {
      const { message, responseCode } = error as Error & { responseCode?: number };
      return {
        delivered: false,
        status: responseCode ?? null,
        error: `SMTP: ${message}`,
        retryAfterMs: null,
      };
    }
  }

  async close(): Promise<void> {
    this.mailer?.close();
    this.mailer = null;
  }

  private request(
    address: Exclude<ChannelAddress, { kind: 'email' }>,
    notification: Notification,
  ): { url: string; body: string; headers: Record<string, string> } {
    switch (address.kind) {
      case 'webhook': {
        const body = JSON.stringify({
          id: notification.id,
          type: notification.type,
          message: notification.message,
          ...(notification.event ? { event: notification.event } : {}),
          ...(notification.digest ? { digest: notification.digest } : {}),
        });
        return {
          url: address.url,
          body,
          headers: { [SIGNATURE_HEADER]: signBody(body, address.secret), [EVENT_ID_HEADER]: notification.id },
        };
      }
      case 'discord':
        // Discord refuses content over 2000 characters.
        return {
          url: address.url,
          body: JSON.stringify({ content: notification.message.slice(0, 2000), username: 'Runecast' }),
          headers: {},
        };
      case 'slack':
        return { url: address.url, body: JSON.stringify({ text: notification.message }), headers: {} };
      case 'telegram':
        // Telegram refuses text over 4096 characters.
        return {
          url: `${this.telegramApiUrl}/bot${address.botToken}/sendMessage`,
          body: JSON.stringify({ chat_id: address.chatId, text: notification.message.slice(0, 4096) }),
          headers: {},
        };
    }
  }
}
