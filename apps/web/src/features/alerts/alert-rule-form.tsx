/** @jsxRuntime automatic */
import {
  alertSeverities,
  alertTemplateFields,
  securityEventKinds,
  type AlertChannel,
  type AlertConditionKind,
  type AlertRuleBody,
  type AlertRulePreview,
  type AlertSeverity,
} from '@runecast/contracts';
import { useId, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { InlineError } from '../../components/query-state.tsx';
import { useTimeFormat } from '../../lib/preferences.ts';
import {
  buildRuleBody,
  conditionKinds,
  type FormErrors,
  type RuleFormField,
  type RuleFormState,
  securityEventLabels,
  type StatMode,
  watchesSeries,
} from './alert-rule-model.ts';
import { usePreviewAlertRule } from './alerts-queries.ts';

/** A preview's answer in words. */
export function describePreview(preview: AlertRulePreview): string {
  if (!preview.available) return preview.reason;
  if (preview.candles === 0) return 'No stored candles of this series in the last 7 days: nothing to replay.';
  if (preview.firingCount === 0)
    return `It would not have fired in the last 7 days (${preview.candles} candles).`;
  const times = preview.firingCount === 1 ? 'once' : `${preview.firingCount} times`;
  return `It would have fired ${times} in the last 7 days (${preview.candles} candles).`;
}

function PreviewResult(props: { preview: AlertRulePreview }) {
  const { formatTime } = useTimeFormat();
  const { preview } = props;
  return (
    <div className="notice stack" role="status" data-testid="rule-preview">
      <span data-testid="rule-preview-summary">{describePreview(preview)}</span>
      {preview.available && preview.firings.length > 0 ? (
        <>
          <span className="small">
            {preview.firingCount > preview.firings.length
              ? `The first ${preview.firings.length}: `
              : 'When: '}
            {preview.firings.map((firing) => formatTime(firing.firedAtMs)).join(', ')}
          </span>
          {preview.latestMessage !== null ? (
            <span className="small">
              Latest message: <q data-testid="rule-preview-message">{preview.latestMessage}</q>
            </span>
          ) : null}
        </>
      ) : null}
    </div>
  );
}

/** Every IANA zone the browser knows, offered as suggestions for quiet hours. */
function knownTimeZones(): string[] {
  const intl = Intl as { supportedValuesOf?: (key: string) => string[] };
  try {
    return intl.supportedValuesOf?.('timeZone') ?? [];
  } catch {
    return [];
  }
}

/** The fields typed as free text. */
type TextField =
  | 'name'
  | 'level'
  | 'percent'
  | 'windowMinutes'
  | 'zScore'
  | 'lookbackCandles'
  | 'horizonMinutes'
  | 'afterMinutes'
  | 'jobKinds'
  | 'components'
  | 'relativeMae'
  | 'minScored'
  | 'metric'
  | 'shift'
  | 'cooldownMinutes';

/** A labelled input with its validation message tied to it for screen readers. */
export function FormField(props: {
  label: string;
  error: string | undefined;
  hint?: ReactNode;
  children: (ids: { id: string; describedBy: string | undefined; invalid: boolean }) => ReactNode;
}) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy =
    [props.error ? errorId : null, props.hint ? hintId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field-box">
      <label className="field" htmlFor={id}>
        {props.label}
      </label>
      {props.children({ id, describedBy, invalid: props.error !== undefined })}
      {props.hint ? (
        <span id={hintId} className="muted small">
          {props.hint}
        </span>
      ) : null}
      {props.error ? (
        <span id={errorId} className="field-error small" data-testid="field-error">
          {props.error}
        </span>
      ) : null}
    </div>
  );
}

/**
 * Creates or edits an alert rule: scope, condition with its own fields, severity, cooldown,
 * channels, template and quiet hours. Every field is checked before sending; the API's refusal
 * is shown beside the form as it gave it.
 */
export function AlertRuleForm(props: {
  initial: RuleFormState;
  editing: boolean;
  seriesOptions: readonly string[];
  channels: readonly AlertChannel[];
  pending: boolean;
  error: unknown;
  onSubmit: (body: AlertRuleBody) => void;
  onCancel: () => void;
}) {
  const [form, setForm] = useState<RuleFormState>(props.initial);
  const [errors, setErrors] = useState<FormErrors<RuleFormField>>({});
  const preview = usePreviewAlertRule();
  const timeZones = useMemo(knownTimeZones, []);
  const timeZoneListId = useId();
  // A changed field loses its message; the rest keep theirs until the next send.
  const set = <Key extends keyof RuleFormState>(key: Key, value: RuleFormState[Key]) => {
    setForm((current) => ({ ...current, [key]: value }));
    setErrors((current) => {
      if (!(key in current)) return current;
      const { [key as RuleFormField]: _cleared, ...rest } = current;
      return rest;
    });
  };
  // A rule's series may no longer be covered; it stays choosable while editing.
  const series = useMemo(() => {
    const options = [...props.seriesOptions].sort();
    if (form.series !== '' && !options.includes(form.series)) options.unshift(form.series);
    return options;
  }, [props.seriesOptions, form.series]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const result = buildRuleBody(form);
    if (!result.ok) {
      setErrors(result.errors);
      return;
    }
    setErrors({});
    props.onSubmit(result.body);
  };

  const runPreview = () => {
    const result = buildRuleBody(form);
    if (!result.ok) {
      setErrors(result.errors);
      return;
    }
    setErrors({});
    preview.mutate(result.body);
  };

  const text = (
    field: TextField,
    label: string,
    extra: { hint?: ReactNode; placeholder?: string; inputMode?: 'decimal' | 'numeric' } = {},
  ) => (
    <FormField label={label} error={errors[field]} hint={extra.hint}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          name={field}
          value={form[field]}
          placeholder={extra.placeholder}
          inputMode={extra.inputMode}
          aria-invalid={invalid}
          aria-describedby={describedBy}
          onChange={(event) => set(field, event.target.value)}
        />
      )}
    </FormField>
  );

  const hasErrors = Object.keys(errors).length > 0;
  return (
    <form
      className="stack"
      onSubmit={submit}
      noValidate
      aria-label={props.editing ? 'Edit rule' : 'New rule'}
      data-testid="alert-rule-form"
    >
      <div className="form-grid fields-top">
        {text('name', 'Name', { placeholder: 'BTC above 100k' })}
        <FormField
          label="Series"
          error={errors.series}
          hint={watchesSeries(form.kind) ? undefined : 'this kind watches events, not a series'}
        >
          {({ id, describedBy, invalid }) => (
            <select
              id={id}
              name="series"
              disabled={!watchesSeries(form.kind)}
              value={form.series}
              aria-invalid={invalid}
              aria-describedby={describedBy}
              onChange={(event) => set('series', event.target.value)}
            >
              <option value="">every series</option>
              {series.map((key) => (
                <option key={key} value={key}>
                  {key}
                </option>
              ))}
            </select>
          )}
        </FormField>
        <FormField label="Condition" error={undefined}>
          {({ id }) => (
            <select
              id={id}
              name="kind"
              value={form.kind}
              onChange={(event) => set('kind', event.target.value as AlertConditionKind)}
            >
              {conditionKinds.map((option) => (
                <option key={option.kind} value={option.kind}>
                  {option.label}
                </option>
              ))}
            </select>
          )}
        </FormField>
      </div>

      <fieldset className="form-grid fields-top" data-testid="condition-fields">
        <legend className="small muted">When</legend>
        {form.kind === 'price-cross' ? (
          <>
            <FormField label="Direction" error={errors.direction}>
              {({ id, describedBy, invalid }) => (
                <select
                  id={id}
                  name="direction"
                  value={form.direction}
                  aria-invalid={invalid}
                  aria-describedby={describedBy}
                  onChange={(event) => set('direction', event.target.value as 'above' | 'below')}
                >
                  <option value="above">crosses above</option>
                  <option value="below">crosses below</option>
                </select>
              )}
            </FormField>
            {text('level', 'Level (price)', { inputMode: 'decimal', placeholder: '100000' })}
          </>
        ) : null}
        {form.kind === 'move' ? (
          <>
            {text('percent', 'Move (%)', { inputMode: 'decimal', hint: 'up or down' })}
            {text('windowMinutes', 'Within (minutes)', { inputMode: 'numeric', hint: '1 to 10080' })}
          </>
        ) : null}
        {form.kind === 'volume-spike' ? (
          <>
            {text('zScore', 'Standard deviations above the mean', {
              inputMode: 'decimal',
              hint: 'at least 1',
            })}
            {text('lookbackCandles', 'Lookback (candles)', { inputMode: 'numeric', hint: '10 to 1440' })}
          </>
        ) : null}
        {form.kind === 'forecast-move' ? (
          <>
            {text('percent', 'Forecast away from the last close (%)', { inputMode: 'decimal' })}
            {text('horizonMinutes', 'Horizon (minutes, optional)', {
              inputMode: 'numeric',
              hint: 'empty: any horizon',
            })}
          </>
        ) : null}
        {form.kind === 'forecast-band'
          ? text('horizonMinutes', 'Horizon (minutes, optional)', {
              inputMode: 'numeric',
              hint: 'empty: the newest forecast of any horizon',
            })
          : null}
        {form.kind === 'component-unhealthy' ? (
          <>
            {text('components', 'Components (optional)', {
              placeholder: 'source:*, store',
              hint: 'names, or prefixes ending in *; empty: every component',
            })}
            <label className="check">
              <input
                type="checkbox"
                name="includeDegraded"
                checked={form.includeDegraded}
                onChange={(event) => set('includeDegraded', event.target.checked)}
              />
              Degraded as well as down
            </label>
          </>
        ) : null}
        {form.kind === 'rune-stat' ? (
          <>
            {text('metric', 'Stat', { placeholder: 'holders', hint: "as the rune's provider names it" })}
            <FormField label="Fires when the stat" error={errors.statMode}>
              {({ id, describedBy, invalid }) => (
                <select
                  id={id}
                  name="statMode"
                  value={form.statMode}
                  aria-invalid={invalid}
                  aria-describedby={describedBy}
                  onChange={(event) => set('statMode', event.target.value as StatMode)}
                >
                  <option value="change">changes by a percentage within a window</option>
                  <option value="level">reaches a level</option>
                  <option value="growth">grows by an amount within a window</option>
                </select>
              )}
            </FormField>
            {form.statMode === 'change'
              ? text('percent', 'Change (%)', { inputMode: 'decimal', hint: 'up or down' })
              : null}
            {form.statMode === 'change'
              ? null
              : text('level', form.statMode === 'level' ? 'Level' : 'Growth', { inputMode: 'decimal' })}
            {form.statMode === 'level'
              ? null
              : text('windowMinutes', 'Within (minutes)', { inputMode: 'numeric', hint: '1 to 10080' })}
          </>
        ) : null}
        {form.kind === 'sentiment-shift' ? (
          <>
            {text('shift', 'Shift of mean sentiment', {
              inputMode: 'decimal',
              hint: 'sentiment runs from −1 to 1; 0.05 to 2',
            })}
            <FormField label="Mean over" error={errors.sentimentOver}>
              {({ id, describedBy, invalid }) => (
                <select
                  id={id}
                  name="sentimentOver"
                  value={form.sentimentOver}
                  aria-invalid={invalid}
                  aria-describedby={describedBy}
                  onChange={(event) => set('sentimentOver', event.target.value as '1h' | '24h')}
                >
                  <option value="24h">the news of the last day</option>
                  <option value="1h">the news of the last hour</option>
                </select>
              )}
            </FormField>
            {text('windowMinutes', 'Within (minutes)', { inputMode: 'numeric', hint: '60 to 10080' })}
          </>
        ) : null}
        {form.kind === 'model-behind-naive' ? (
          <>
            {text('relativeMae', "MAE above naive's by (×)", {
              inputMode: 'decimal',
              hint: '0.5 to 10; 1 means worse than naive',
            })}
            {text('minScored', 'At least scored forecasts', { inputMode: 'numeric', hint: '5 to 100' })}
            {text('horizonMinutes', 'Horizon (minutes, optional)', {
              inputMode: 'numeric',
              hint: 'empty: any horizon',
            })}
          </>
        ) : null}
        {form.kind === 'stale'
          ? text('afterMinutes', 'No candle for (minutes)', { inputMode: 'numeric', hint: '1 to 10080' })
          : null}
        {form.kind === 'job-failed'
          ? text('jobKinds', 'Job kinds (optional)', {
              placeholder: 'train, backtest',
              hint: 'separated by commas; empty: every kind',
            })
          : null}
        {form.kind === 'security' ? (
          <div className="stack" role="group" aria-label="Security events">
            {securityEventKinds.map((event) => (
              <label key={event} className="check">
                <input
                  type="checkbox"
                  checked={form.securityEvents.includes(event)}
                  onChange={(changed) =>
                    set(
                      'securityEvents',
                      changed.target.checked
                        ? [...form.securityEvents, event]
                        : form.securityEvents.filter((item) => item !== event),
                    )
                  }
                />
                {securityEventLabels[event]}
              </label>
            ))}
            <span className="muted small">None ticked: every event. Only admins may watch them.</span>
            {errors.securityEvents ? (
              <span className="field-error small" data-testid="field-error">
                {errors.securityEvents}
              </span>
            ) : null}
          </div>
        ) : null}
      </fieldset>

      <div className="form-grid fields-top">
        <FormField label="Severity" error={errors.severity}>
          {({ id, describedBy, invalid }) => (
            <select
              id={id}
              name="severity"
              value={form.severity}
              aria-invalid={invalid}
              aria-describedby={describedBy}
              onChange={(event) => set('severity', event.target.value as AlertSeverity)}
            >
              {alertSeverities.map((severity) => (
                <option key={severity} value={severity}>
                  {severity}
                </option>
              ))}
            </select>
          )}
        </FormField>
        {text('cooldownMinutes', 'Cooldown (minutes)', {
          inputMode: 'numeric',
          hint: 'no second firing on a series within it',
        })}
        <label className="check field-action">
          <input
            type="checkbox"
            name="enabled"
            checked={form.enabled}
            onChange={(event) => set('enabled', event.target.checked)}
          />
          Enabled
        </label>
      </div>

      <fieldset className="stack" aria-describedby={errors.channelIds ? 'rule-channels-error' : undefined}>
        <legend className="small muted">Send to</legend>
        {props.channels.length === 0 ? (
          <span className="muted small">
            No channels yet: firings are stored and shown here but not sent. Add a channel below.
          </span>
        ) : (
          <div className="row">
            {props.channels.map((channel) => (
              <label key={channel.id} className="check">
                <input
                  type="checkbox"
                  checked={form.channelIds.includes(channel.id)}
                  onChange={(event) =>
                    set(
                      'channelIds',
                      event.target.checked
                        ? [...form.channelIds, channel.id]
                        : form.channelIds.filter((id) => id !== channel.id),
                    )
                  }
                />
                {channel.name} <span className="muted small">({channel.kind})</span>
              </label>
            ))}
          </div>
        )}
        {errors.channelIds ? (
          <span id="rule-channels-error" className="field-error small" data-testid="field-error">
            {errors.channelIds}
          </span>
        ) : null}
      </fieldset>

      <FormField
        label="Message template (optional)"
        error={errors.template}
        hint={
          <>
            Fields:{' '}
            {alertTemplateFields.map((field, index) => (
              <span key={field}>
                {index > 0 ? ', ' : ''}
                <code>{`{${field}}`}</code>
              </span>
            ))}
            . Empty: each kind's own wording.
          </>
        }
      >
        {({ id, describedBy, invalid }) => (
          <textarea
            id={id}
            name="template"
            rows={2}
            maxLength={1000}
            value={form.template}
            placeholder="{rule}: {series} at {price}"
            aria-invalid={invalid}
            aria-describedby={describedBy}
            onChange={(event) => set('template', event.target.value)}
          />
        )}
      </FormField>

      <fieldset className="stack">
        <legend className="small muted">Quiet hours</legend>
        <label className="check">
          <input
            type="checkbox"
            name="quietHoursOn"
            checked={form.quietHoursOn}
            onChange={(event) => set('quietHoursOn', event.target.checked)}
          />
          Store firings inside a daily span without sending them
        </label>
        {form.quietHoursOn ? (
          <div className="form-grid fields-top">
            <FormField label="From" error={errors.quietStart}>
              {({ id, describedBy, invalid }) => (
                <input
                  id={id}
                  type="time"
                  name="quietStart"
                  value={form.quietStart}
                  aria-invalid={invalid}
                  aria-describedby={describedBy}
                  onChange={(event) => set('quietStart', event.target.value)}
                />
              )}
            </FormField>
            <FormField label="Until" error={errors.quietEnd}>
              {({ id, describedBy, invalid }) => (
                <input
                  id={id}
                  type="time"
                  name="quietEnd"
                  value={form.quietEnd}
                  aria-invalid={invalid}
                  aria-describedby={describedBy}
                  onChange={(event) => set('quietEnd', event.target.value)}
                />
              )}
            </FormField>
            <FormField label="Time zone" error={errors.quietTimeZone}>
              {({ id, describedBy, invalid }) => (
                <input
                  id={id}
                  name="quietTimeZone"
                  list={timeZoneListId}
                  value={form.quietTimeZone}
                  aria-invalid={invalid}
                  aria-describedby={describedBy}
                  onChange={(event) => set('quietTimeZone', event.target.value)}
                />
              )}
            </FormField>
            <datalist id={timeZoneListId}>
              {timeZones.map((zone) => (
                <option key={zone} value={zone} />
              ))}
            </datalist>
          </div>
        ) : null}
      </fieldset>

      {hasErrors ? (
        <div className="notice error" role="alert">
          Check the marked fields.
        </div>
      ) : null}
      <InlineError error={props.error} />
      {preview.data !== undefined && !preview.isPending ? <PreviewResult preview={preview.data} /> : null}
      <InlineError error={preview.error} />
      <div className="row">
        <button type="button" onClick={runPreview} disabled={preview.isPending}>
          {preview.isPending ? 'Replaying…' : 'Preview last 7 days'}
        </button>
        <button type="submit" className="primary" disabled={props.pending}>
          {props.pending ? 'Saving…' : props.editing ? 'Save rule' : 'Create rule'}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
