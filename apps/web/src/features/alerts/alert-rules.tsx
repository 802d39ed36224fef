/** @jsxRuntime automatic */
import type { AlertChannel, AlertRule } from '@runecast/contracts';
import { useState } from 'react';
import { InlineError, QueryView } from '../../components/query-state.tsx';
import { AlertRuleForm } from './alert-rule-form.tsx';
import {
  browserTimeZone,
  describeCondition,
  describeScope,
  emptyRuleForm,
  formatMinutes,
  ruleBodyFromRule,
  ruleFormFromRule,
  watchesSeries,
  withoutDeletedChannels,
} from './alert-rule-model.ts';
import { useAlertRules, useDeleteAlertRule, useSaveAlertRule } from './alerts-queries.ts';

/** Names of a rule's channels; one deleted since reads as such. `null`: channels not loaded. */
export function channelNames(rule: AlertRule, channels: readonly AlertChannel[] | null): string {
  if (rule.channelIds.length === 0) return 'none (stored, not sent)';
  if (channels === null)
    return `${rule.channelIds.length} ${rule.channelIds.length === 1 ? 'channel' : 'channels'}`;
  return rule.channelIds
    .map((id) => channels.find((channel) => channel.id === id)?.name ?? 'a deleted channel')
    .join(', ');
}

export function RulesTable(props: {
  rules: readonly AlertRule[];
  channels: readonly AlertChannel[] | null;
  busyRuleId: string | null;
  onEdit: (rule: AlertRule) => void;
  onToggle: (rule: AlertRule) => void;
  onDelete: (rule: AlertRule) => void;
}) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>State</th>
            <th>Series</th>
            <th>Fires when</th>
            <th>Severity</th>
            <th>Channels</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {props.rules.map((rule) => (
            <tr
              key={rule.id}
              data-testid="rule-row"
              data-rule={rule.name}
              data-enabled={rule.enabled ? 'true' : 'false'}
            >
              <td>{rule.name}</td>
              <td>
                <span className={`badge ${rule.enabled ? 'ok' : ''}`}>
                  {rule.enabled ? 'enabled' : 'disabled'}
                </span>
              </td>
              <td className="small">
                <code>
                  {watchesSeries(rule.condition.kind)
                    ? describeScope(rule.series)
                    : rule.condition.kind === 'security'
                      ? 'security events'
                      : 'jobs'}
                </code>
              </td>
              <td className="small" data-testid="rule-condition">
                {describeCondition(rule.condition)}
                <div className="muted">
                  cooldown {formatMinutes(rule.cooldownMinutes)}
                  {rule.quietHours
                    ? ` · quiet ${rule.quietHours.start}–${rule.quietHours.end} ${rule.quietHours.timeZone}`
                    : ''}
                  {rule.template ? ' · own template' : ''}
                </div>
              </td>
              <td>
                <span className={`badge ${rule.severity}`}>{rule.severity}</span>
              </td>
              <td className="small">{channelNames(rule, props.channels)}</td>
              <td className="num">
                <div className="row" style={{ justifyContent: 'flex-end', flexWrap: 'nowrap' }}>
                  <button
                    type="button"
                    className="small"
                    aria-label={`Edit rule ${rule.name}`}
                    onClick={() => props.onEdit(rule)}
                  >
                    Edit
                  </button>
                  <button
                    type="button"
                    className="small"
                    disabled={props.busyRuleId === rule.id}
                    aria-label={`${rule.enabled ? 'Disable' : 'Enable'} rule ${rule.name}`}
                    onClick={() => props.onToggle(rule)}
                  >
                    {rule.enabled ? 'Disable' : 'Enable'}
                  </button>
                  <button
                    type="button"
                    className="small danger"
                    disabled={props.busyRuleId === rule.id}
                    aria-label={`Delete rule ${rule.name}`}
                    onClick={() => props.onDelete(rule)}
                  >
                    Delete
                  </button>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

type Editing = { mode: 'new' } | { mode: 'edit'; rule: AlertRule } | null;

/** The rules list with create, edit, enable or disable, and delete. */
export function AlertRulesPanel(props: {
  /** `null` while the channels are not loaded. */
  channels: readonly AlertChannel[] | null;
  seriesOptions: readonly string[];
}) {
  const channels = props.channels ?? [];
  const rules = useAlertRules();
  const save = useSaveAlertRule();
  const toggle = useSaveAlertRule();
  const remove = useDeleteAlertRule();
  const [editing, setEditing] = useState<Editing>(null);
  const startEditing = (next: Editing) => {
    save.reset();
    setEditing(next);
  };
  const busyRuleId = toggle.isPending
    ? (toggle.variables?.id ?? null)
    : remove.isPending
      ? (remove.variables ?? null)
      : null;
  return (
    <section className="panel" aria-label="Rules">
      <div className="panel-header">
        <div>
          <h2>Rules</h2>
          <p className="muted small">
            Evaluated as candles and forecasts arrive. A rule fires once per crossing and re-arms when its
            condition clears.
          </p>
        </div>
        {editing === null ? (
          <button type="button" className="primary" onClick={() => startEditing({ mode: 'new' })}>
            New rule
          </button>
        ) : null}
      </div>
      {editing !== null ? (
        <div className="panel-inset">
          <h3>{editing.mode === 'new' ? 'New rule' : `Edit “${editing.rule.name}”`}</h3>
          <AlertRuleForm
            key={editing.mode === 'new' ? 'new' : editing.rule.id}
            initial={
              editing.mode === 'new'
                ? emptyRuleForm(browserTimeZone())
                : {
                    ...ruleFormFromRule(editing.rule, browserTimeZone()),
                    channelIds: withoutDeletedChannels(editing.rule.channelIds, props.channels),
                  }
            }
            editing={editing.mode === 'edit'}
            seriesOptions={props.seriesOptions}
            channels={channels}
            pending={save.isPending}
            error={save.error}
            onCancel={() => startEditing(null)}
            onSubmit={(body) =>
              save.mutate(
                { id: editing.mode === 'edit' ? editing.rule.id : null, body },
                { onSuccess: () => setEditing(null) },
              )
            }
          />
        </div>
      ) : null}
      <InlineError error={toggle.error ?? remove.error} />
      <QueryView
        query={rules}
        compact
        loadingLabel="Loading rules…"
        isEmpty={(list) => list.length === 0}
        empty="No rules yet. Create one to be told when a price crosses a level, moves fast, or leaves its forecast."
      >
        {(list) => (
          <RulesTable
            rules={list}
            channels={props.channels}
            busyRuleId={busyRuleId}
            onEdit={(rule) => startEditing({ mode: 'edit', rule })}
            onToggle={(rule) => {
              remove.reset();
              toggle.mutate({
                id: rule.id,
                body: ruleBodyFromRule(rule, {
                  enabled: !rule.enabled,
                  channelIds: withoutDeletedChannels(rule.channelIds, props.channels),
                }),
              });
            }}
            onDelete={(rule) => {
              toggle.reset();
              if (window.confirm(`Delete the rule “${rule.name}” and its history?`)) remove.mutate(rule.id);
            }}
          />
        )}
      </QueryView>
    </section>
  );
}
