/** @jsxRuntime automatic */
import type { RuneDetail } from '@runecast/contracts';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { InlineError } from '../../components/query-state.tsx';
import { runePath } from './runes-queries.ts';

/**
 * Tracks a rune by name in any spelling (`dog.go.to.the.moon`, `DOG•GO•TO•THE•MOON`); the server
 * checks the name and asks the provider, and its refusal is shown as it gave it.
 */
export function TrackRuneForm(props: {
  track: (name: string) => Promise<RuneDetail>;
  pending: boolean;
  error: unknown;
}) {
  const [name, setName] = useState('');
  const [tracked, setTracked] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTracked(null);
    props
      .track(name.trim())
      .then((rune) => {
        setTracked(rune.name);
        setName('');
      })
      .catch(() => {
        // Shown from `error` below.
      });
  };
  return (
    <form
      className="row"
      style={{ gap: 8, flexWrap: 'wrap' }}
      onSubmit={submit}
      data-testid="track-rune-form"
    >
      <label className="sr-only" htmlFor="track-rune-name">
        Rune name
      </label>
      <input
        id="track-rune-name"
        name="rune"
        placeholder="dog.go.to.the.moon"
        value={name}
        required
        maxLength={80}
        autoComplete="off"
        onChange={(event) => setName(event.target.value)}
        aria-describedby="track-rune-help"
      />
      <button type="submit" className="primary" disabled={props.pending || name.trim() === ''}>
        {props.pending ? 'Checking…' : 'Track rune'}
      </button>
      <span id="track-rune-help" className="muted small">
        Any spelling: with • or . spacers or none, any case. The provider is asked before tracking.
      </span>
      <div style={{ flexBasis: '100%' }}>
        {props.error ? <InlineError error={props.error} /> : null}
        {tracked !== null && !props.error ? (
          <div className="notice" role="status" data-testid="rune-tracked">
            Tracking <Link to={runePath(tracked)}>{tracked}</Link>: its price is collected every poll and
            forecast once enough candles are stored.
          </div>
        ) : null}
      </div>
    </form>
  );
}
