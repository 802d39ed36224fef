/** @jsxRuntime automatic */
import {
  alertChannelDigestBodySchema,
  alertChannelKinds,
  alertChannelModes,
  type AlertChannel,
  type AlertChannelKind,
  type AlertChannelMode,
  type CreateAlertChannelBody,
} from '@runecast/contracts';
import { useState, type FormEvent } from 'react';
import { errorMessage, InlineError, QueryView } from '../../components/query-state.tsx';
import { useTimeFormat } from '../../lib/preferences.ts';
import { FormField } from './alert-rule-form.tsx';
import {
  browserTimeZone,
  buildChannelBody,
  channelKindLabels,
  conditionKinds,
  emptyChannelForm,
  type ChannelFormField,
  type ChannelFormState,
  type FormErrors,
} from './alert-rule-model.ts';
import {
  useAlertChannels,
  useCreateAlertChannel,
  useDeleteAlertChannel,
  useSetChannelDigest,
  useSetChannelModes,
  useTestAlertChannel,
} from './alerts-queries.ts';

export const channelModeLabels: Record<AlertChannelMode, string> = {
  on: 'On: send',
  silent: 'Silent: show here, do not send',
  off: 'Off: ignore',
};

/** The kinds a channel does not simply send, in words: `all on`, or `Price crosses a level: silent, …`. */
export function describeChannelModes(channel: AlertChannel): string {
  const changed = conditionKinds.filter(({ kind }) => channel.eventModes[kind] !== 'on');
  const modes =
    changed.length === 0
      ? 'all on'
      : changed.map(({ kind, label }) => `${label}: ${channel.eventModes[kind]}`).join('; ');
  return channel.digest === null
    ? modes
    : `${modes}; one daily digest at ${channel.digest.at} (${channel.digest.timeZone})`;
}

/** On, silent or off per rule kind for one channel; saved as a whole. */
export function ChannelModesEditor(props: { channel: AlertChannel; onDone: () => void }) {
  const save = useSetChannelModes();
  const saveDigest = useSetChannelDigest();
  const [modes, setModes] = useState<AlertChannel['eventModes']>(props.channel.eventModes);
  const [digestOn, setDigestOn] = useState(props.channel.digest !== null);
  const [digestAt, setDigestAt] = useState(props.channel.digest?.at ?? '08:00');
  const [digestZone, setDigestZone] = useState(props.channel.digest?.timeZone ?? browserTimeZone());
  const [digestError, setDigestError] = useState<string | undefined>(undefined);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    let digest = null;
    if (digestOn) {
      const parsed = alertChannelDigestBodySchema.safeParse({ at: digestAt, timeZone: digestZone.trim() });
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        setDigestError(`${issue.path[0] === 'timeZone' ? 'Time zone' : 'Time'}: ${issue.message}`);
        return;
      }
      digest = parsed.data;
    }
    setDigestError(undefined);
    const current = props.channel.digest;
    const digestChanged =
      digest === null ? current !== null : current?.at !== digest.at || current.timeZone !== digest.timeZone;
    save.mutate(
      { id: props.channel.id, eventModes: modes },
      {
        onSuccess: () => {
          if (digestChanged) saveDigest.mutate({ id: props.channel.id, digest }, { onSuccess: props.onDone });
          else props.onDone();
        },
      },
    );
  };
  return (
    <form
      className="stack"
      onSubmit={submit}
      aria-label={`Notifications of ${props.channel.name}`}
      data-testid="channel-modes-form"
      style={{ marginTop: 12 }}
    >
      <h3>What “{props.channel.name}” does with each kind of alert</h3>
      <p className="muted small">
        Silent and off both keep this channel from sending; every firing is still stored and shown in the
        history and the bell.
      </p>
      <div className="form-grid fields-top">
        {conditionKinds.map(({ kind, label }) => (
          <FormField key={kind} label={label} error={undefined}>
            {({ id }) => (
              <select
                id={id}
                name={`mode-${kind}`}
                value={modes[kind]}
                onChange={(event) =>
                  setModes((current) => ({ ...current, [kind]: event.target.value as AlertChannelMode }))
                }
              >
                {alertChannelModes.map((mode) => (
                  <option key={mode} value={mode}>
                    {channelModeLabels[mode]}
                  </option>
                ))}
              </select>
            )}
          </FormField>
        ))}
      </div>
      <label className="check">
        <input
          type="checkbox"
          name="digestOn"
          checked={digestOn}
          onChange={(event) => setDigestOn(event.target.checked)}
        />
        Send one daily digest of the previous day instead of each alert
      </label>
      {digestOn ? (
        <div className="form-grid fields-top">
          <FormField label="Digest time" error={undefined}>
            {({ id }) => (
              <input
                id={id}
                name="digestAt"
                type="time"
                value={digestAt}
                onChange={(event) => setDigestAt(event.target.value)}
              />
            )}
          </FormField>
          <FormField label="Digest time zone" error={undefined}>
            {({ id }) => (
              <input
                id={id}
                name="digestTimeZone"
                value={digestZone}
                onChange={(event) => setDigestZone(event.target.value)}
              />
            )}
          </FormField>
        </div>
      ) : null}
      {digestError ? (
        <div className="notice error" role="alert">
          {digestError}
        </div>
      ) : null}
      <div className="row">
        <button type="submit" className="primary" disabled={save.isPending || saveDigest.isPending}>
          {save.isPending || saveDigest.isPending ? 'Saving…' : 'Save notifications'}
        </button>
        <button type="button" className="ghost" onClick={props.onDone}>
          Cancel
        </button>
      </div>
      <InlineError error={save.error ?? saveDigest.error} />
    </form>
  );
}

type TestOutcome =
  | { state: 'sending' }
  | { state: 'done'; delivered: boolean; status: number | null; error: string | null }
  | { state: 'failed'; message: string };

/** What a test notification came to, in words. */
export function describeTestOutcome(outcome: TestOutcome): string {
  if (outcome.state === 'sending') return 'Sending…';
  if (outcome.state === 'failed') return `Not sent: ${outcome.message}`;
  const status = outcome.status === null ? '' : ` (status ${outcome.status})`;
  if (outcome.delivered) return `Delivered${status}`;
  return `Not delivered${status}${outcome.error ? `: ${outcome.error}` : ''}`;
}

function SecretOnce(props: { channelName: string; secret: string; onDismiss: () => void }) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.secret);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <div className="notice success stack" style={{ marginTop: 12 }} data-testid="channel-secret">
      <strong>Signing secret of “{props.channelName}”: copy it now, you will not see this again.</strong>
      <span className="small">
        Your receiver checks <code>X-Runecast-Signature</code> (HMAC-SHA256 of the raw body with this secret).
      </span>
      <div className="secret-once">
        <code data-testid="channel-secret-value">{props.secret}</code>
        <button type="button" onClick={() => void copy()}>
          {copied === 'yes' ? 'Copied' : 'Copy secret'}
        </button>
        <button type="button" className="ghost" onClick={props.onDismiss}>
          Done
        </button>
      </div>
      {copied === 'failed' ? (
        <span className="small" role="alert">
          The browser did not allow copying; select the secret and copy it by hand.
        </span>
      ) : null}
    </div>
  );
}

/** Creates a channel; a webhook's secret is shown once, right under the form. */
export function ChannelForm(props: {
  /** Resolves once the channel exists; the form then clears. */
  create: (body: CreateAlertChannelBody) => Promise<unknown>;
  pending: boolean;
  error: unknown;
}) {
  const [form, setForm] = useState<ChannelFormState>(emptyChannelForm);
  const [errors, setErrors] = useState<FormErrors<ChannelFormField>>({});
  const set = <Key extends keyof ChannelFormState>(key: Key, value: ChannelFormState[Key]) => {
    setForm((current) => ({ ...current, [key]: value }));
    setErrors((current) => {
      if (!(key in current)) return current;
      const { [key as ChannelFormField]: _cleared, ...rest } = current;
      return rest;
    });
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const result = buildChannelBody(form);
    if (!result.ok) {
      setErrors(result.errors);
      return;
    }
    setErrors({});
    props
      .create(result.body)
      .then(() => setForm((current) => ({ ...emptyChannelForm(), kind: current.kind })))
      .catch(() => {
        // Shown from `error` below the form.
      });
  };
  const input = (
    field: ChannelFormField,
    label: string,
    extra: { placeholder?: string; hint?: string; type?: string } = {},
  ) => (
    <FormField label={label} error={errors[field]} hint={extra.hint}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          name={field}
          type={extra.type ?? 'text'}
          autoComplete="off"
          value={form[field]}
          placeholder={extra.placeholder}
          aria-invalid={invalid}
          aria-describedby={describedBy}
          onChange={(event) => set(field, event.target.value)}
        />
      )}
    </FormField>
  );
  return (
    <form
      className="stack"
      onSubmit={submit}
      noValidate
      aria-label="New channel"
      data-testid="alert-channel-form"
    >
      <div className="form-grid fields-top">
        <FormField label="Kind" error={undefined}>
          {({ id }) => (
            <select
              id={id}
              name="kind"
              value={form.kind}
              onChange={(event) => {
                set('kind', event.target.value as AlertChannelKind);
                setErrors({});
              }}
            >
              {alertChannelKinds.map((kind) => (
                <option key={kind} value={kind}>
                  {channelKindLabels[kind]}
                </option>
              ))}
            </select>
          )}
        </FormField>
        {input('name', 'Name', { placeholder: 'desk' })}
        {form.kind === 'telegram' ? (
          <>
            {input('botToken', 'Bot token', {
              placeholder: '123456:ABC…',
              hint: 'from BotFather',
              type: 'password',
            })}
            {input('chatId', 'Chat id', { placeholder: '-1001234 or @channelname' })}
          </>
        ) : form.kind === 'email' ? (
          input('to', 'Email address', { placeholder: 'you@example.com', type: 'email' })
        ) : (
          input('url', form.kind === 'webhook' ? 'URL' : `${channelKindLabels[form.kind]} webhook URL`, {
            placeholder:
              form.kind === 'discord'
                ? 'https://discord.com/api/webhooks/…'
                : form.kind === 'slack'
                  ? 'https://hooks.slack.com/services/…'
                  : 'https://example.com/hook',
          })
        )}
        <div className="field-action">
          <button type="submit" className="primary" disabled={props.pending}>
            {props.pending ? 'Adding…' : 'Add channel'}
          </button>
        </div>
      </div>
      <InlineError error={props.error} />
    </form>
  );
}

/** Your notification channels: add, send a test, delete. */
export function AlertChannelsPanel() {
  const { formatTime } = useTimeFormat();
  const channels = useAlertChannels();
  const create = useCreateAlertChannel();
  const remove = useDeleteAlertChannel();
  const test = useTestAlertChannel();
  const [outcomes, setOutcomes] = useState<Record<string, TestOutcome>>({});
  const [secret, setSecret] = useState<{ channelName: string; secret: string } | null>(null);
  const [editing, setEditing] = useState<string | null>(null);

  const sendTest = (channel: AlertChannel) => {
    setOutcomes((current) => ({ ...current, [channel.id]: { state: 'sending' } }));
    test.mutate(channel.id, {
      onSuccess: (result) =>
        setOutcomes((current) => ({ ...current, [channel.id]: { state: 'done', ...result } })),
      onError: (error) =>
        setOutcomes((current) => ({
          ...current,
          [channel.id]: { state: 'failed', message: errorMessage(error) },
        })),
    });
  };

  return (
    <section className="panel" aria-label="Channels">
      <div className="panel-header">
        <div>
          <h2>Channels</h2>
          <p className="muted small">
            Where notifications go. Addresses are stored sealed and shown masked from now on.
          </p>
        </div>
      </div>
      <ChannelForm
        pending={create.isPending}
        error={create.error}
        create={async (body) => {
          setSecret(null);
          create.reset();
          const created = await create.mutateAsync(body);
          if (created.secret !== null) setSecret({ channelName: created.name, secret: created.secret });
        }}
      />
      {secret !== null ? (
        <SecretOnce
          channelName={secret.channelName}
          secret={secret.secret}
          onDismiss={() => setSecret(null)}
        />
      ) : null}
      <div style={{ marginTop: 12 }}>
        <QueryView
          query={channels}
          compact
          loadingLabel="Loading channels…"
          isEmpty={(list) => list.length === 0}
          empty="No channels yet. Add a webhook, Discord, Slack or Telegram channel above."
        >
          {(list) => (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Kind</th>
                    <th>Address</th>
                    <th>Created</th>
                    <th>Notifications</th>
                    <th>Test</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {list.map((channel) => {
                    const outcome = outcomes[channel.id];
                    const tone =
                      outcome === undefined || outcome.state === 'sending'
                        ? ''
                        : outcome.state === 'done' && outcome.delivered
                          ? 'ok'
                          : 'down';
                    return (
                      <tr key={channel.id} data-testid="channel-row" data-channel={channel.name}>
                        <td>{channel.name}</td>
                        <td>{channel.kind}</td>
                        <td>
                          <code className="small">{channel.target}</code>
                        </td>
                        <td className="small">{formatTime(channel.createdAtMs)}</td>
                        <td>
                          <div className="row">
                            <span className="small" data-testid="channel-modes">
                              {describeChannelModes(channel)}
                            </span>
                            <button
                              type="button"
                              className="small"
                              aria-label={`Notifications of ${channel.name}`}
                              onClick={() => setEditing(channel.id)}
                            >
                              Notifications
                            </button>
                          </div>
                        </td>
                        <td>
                          <div className="row">
                            <button
                              type="button"
                              className="small"
                              disabled={outcome?.state === 'sending'}
                              onClick={() => sendTest(channel)}
                              aria-label={`Send a test notification to ${channel.name}`}
                            >
                              Send test notification
                            </button>
                            {outcome !== undefined ? (
                              <span
                                className={`badge ${tone}`}
                                role="status"
                                data-testid="channel-test-result"
                                data-state={tone || 'sending'}
                              >
                                {describeTestOutcome(outcome)}
                              </span>
                            ) : null}
                          </div>
                        </td>
                        <td className="num">
                          <button
                            type="button"
                            className="small danger"
                            disabled={remove.isPending}
                            aria-label={`Delete channel ${channel.name}`}
                            onClick={() => {
                              if (
                                window.confirm(
                                  `Delete the channel “${channel.name}”? Rules stop sending to it and its queued notifications are dropped.`,
                                )
                              ) {
                                remove.mutate(channel.id);
                              }
                            }}
                          >
                            Delete
                          </button>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              {list
                .filter((channel) => channel.id === editing)
                .map((channel) => (
                  <ChannelModesEditor key={channel.id} channel={channel} onDone={() => setEditing(null)} />
                ))}
            </div>
          )}
        </QueryView>
        <InlineError error={remove.error} />
      </div>
    </section>
  );
}
