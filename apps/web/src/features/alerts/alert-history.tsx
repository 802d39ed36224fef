/** @jsxRuntime automatic */
import { alertEventStatuses, type AlertChannel, type AlertEvent } from '@runecast/contracts';
import { useState } from 'react';
import { InlineError, QueryView } from '../../components/query-state.tsx';
import { formatRelative } from '../../lib/format.ts';
import { useTimeFormat } from '../../lib/preferences.ts';
import {
  useActOnAlertEvent,
  useAlertHistory,
  useDeadLetters,
  useReplayDelivery,
  type AlertEventAction,
  type AlertEventStatus,
} from './alerts-queries.ts';

/** Snooze choices offered on each firing. */
export const SNOOZE_CHOICES: readonly { minutes: number; label: string }[] = [
  { minutes: 60, label: '1 h' },
  { minutes: 1440, label: '1 day' },
];

export function HistoryTable(props: {
  events: readonly AlertEvent[];
  busyEventId: string | null;
  onAct: (event: AlertEvent, action: AlertEventAction) => void;
  nowMs?: number;
}) {
  const { formatTime } = useTimeFormat();
  const nowMs = props.nowMs ?? Date.now();
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th>Severity</th>
            <th>Rule</th>
            <th>Series</th>
            <th>Message</th>
            <th>Fired</th>
            <th>Status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {props.events.map((event) => {
            const busy = props.busyEventId === event.id;
            return (
              <tr key={event.id} data-testid="alert-event-row" data-status={event.status}>
                <td>
                  <span className={`badge ${event.severity}`}>{event.severity}</span>
                </td>
                <td>{event.ruleName}</td>
                <td className="small">
                  <code>{event.series}</code>
                </td>
                <td className="small">{event.message}</td>
                <td className="small" title={formatTime(event.firedAtMs, true)}>
                  {formatTime(event.firedAtMs)}
                </td>
                <td className="small">
                  <span className={`badge ${event.status}`}>{event.status}</span>
                  {event.status === 'snoozed' && event.snoozedUntilMs !== null ? (
                    <div className="muted" title={formatTime(event.snoozedUntilMs)}>
                      opens again {formatRelative(event.snoozedUntilMs, nowMs)}
                    </div>
                  ) : null}
                  {event.silent ? (
                    <div className="muted" title="Quiet hours, or the rule has no channel">
                      not sent
                    </div>
                  ) : null}
                </td>
                <td className="num">
                  {event.status === 'resolved' ? null : (
                    <div className="row" style={{ justifyContent: 'flex-end', flexWrap: 'nowrap' }}>
                      {event.status !== 'acknowledged' ? (
                        <button
                          type="button"
                          className="small"
                          disabled={busy}
                          aria-label={`Acknowledge “${event.message}”`}
                          onClick={() => props.onAct(event, { action: 'acknowledge' })}
                        >
                          Acknowledge
                        </button>
                      ) : null}
                      {SNOOZE_CHOICES.map((choice) => (
                        <button
                          key={choice.minutes}
                          type="button"
                          className="small"
                          disabled={busy}
                          aria-label={`Snooze “${event.message}” for ${choice.label}`}
                          onClick={() => props.onAct(event, { action: 'snooze', minutes: choice.minutes })}
                        >
                          Snooze {choice.label}
                        </button>
                      ))}
                      <button
                        type="button"
                        className="small"
                        disabled={busy}
                        aria-label={`Resolve “${event.message}”`}
                        onClick={() => props.onAct(event, { action: 'resolve' })}
                      >
                        Resolve
                      </button>
                    </div>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Firings newest first, filtered by status, with acknowledge, snooze and resolve. */
export function AlertHistoryPanel() {
  const [status, setStatus] = useState<AlertEventStatus | ''>('');
  const history = useAlertHistory(status === '' ? null : status);
  const act = useActOnAlertEvent();
  return (
    <section className="panel" aria-label="History" id="history">
      <div className="panel-header">
        <div>
          <h2>History</h2>
          <p className="muted small">
            Firings of your rules, newest first.
            {history.data ? ` ${history.data.openCount} open.` : ''} A snoozed firing opens again when its
            time is up.
          </p>
        </div>
        <label className="field">
          Status
          <select
            name="history-status"
            value={status}
            onChange={(event) => setStatus(event.target.value as AlertEventStatus | '')}
          >
            <option value="">every status</option>
            {alertEventStatuses.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <InlineError error={act.error} />
      <QueryView
        query={history}
        compact
        loadingLabel="Loading the history…"
        isEmpty={(data) => data.events.length === 0}
        empty={
          status === ''
            ? 'No firings yet. They appear here as soon as a rule fires.'
            : `No ${status} firings.`
        }
      >
        {(data) => (
          <HistoryTable
            events={data.events}
            busyEventId={act.isPending ? (act.variables?.id ?? null) : null}
            onAct={(event, action) => act.mutate({ id: event.id, action })}
          />
        )}
      </QueryView>
    </section>
  );
}

/** Deliveries given up on after a day of failures, each with its last error and a replay. */
export function DeadLettersPanel(props: { channels: readonly AlertChannel[] }) {
  const deadLetters = useDeadLetters();
  const replay = useReplayDelivery();
  const channelName = (id: string) =>
    props.channels.find((channel) => channel.id === id)?.name ?? 'a deleted channel';
  return (
    <section className="panel" aria-label="Dead letters">
      <div className="panel-header">
        <div>
          <h2>Dead letters</h2>
          <p className="muted small">
            Notifications a channel did not take for 24 hours of retries. Fix the receiver, then replay.
          </p>
        </div>
      </div>
      <InlineError error={replay.error} />
      <QueryView
        query={deadLetters}
        compact
        loadingLabel="Loading dead letters…"
        isEmpty={(list) => list.length === 0}
        empty="No dead letters: every notification was delivered or is still being tried."
      >
        {(list) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Channel</th>
                  <th>Firing</th>
                  <th className="num">Attempts</th>
                  <th>Last error</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {list.map((delivery) => (
                  <tr key={delivery.id} data-testid="dead-letter-row">
                    <td>{channelName(delivery.channelId)}</td>
                    <td className="small">
                      <code title={delivery.eventId}>{delivery.eventId.slice(0, 8)}</code>
                    </td>
                    <td className="num">{delivery.attempts}</td>
                    <td className="small">{delivery.lastError ?? '—'}</td>
                    <td className="num">
                      <button
                        type="button"
                        className="small"
                        disabled={replay.isPending && replay.variables === delivery.id}
                        aria-label={`Replay the delivery to ${channelName(delivery.channelId)}`}
                        onClick={() => replay.mutate(delivery.id)}
                      >
                        Replay
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>
    </section>
  );
}
