/** @jsxRuntime automatic */
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ApiRequestError } from '../lib/api-client.ts';

export function LoadingState(props: { label?: string; compact?: boolean }) {
  return (
    <div className={`state${props.compact ? ' compact' : ''}`} role="status" aria-live="polite">
      <div className="spinner" aria-hidden="true" />
      <span>{props.label ?? 'Loading…'}</span>
    </div>
  );
}

export function EmptyState(props: { children: ReactNode; compact?: boolean }) {
  return (
    <div className={`state${props.compact ? ' compact' : ''}`} data-testid="empty-state">
      {props.children}
    </div>
  );
}

/** The words to show for an error; API errors carry a message written for people. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiRequestError) {
    if (error.status === 403) return `Not allowed: ${error.message}`;
    if (error.status === 429) return `Too many requests: ${error.message}`;
    return error.fieldMessage;
  }
  if (error instanceof TypeError) return 'Cannot reach the Runecast server. Is it running?';
  return error instanceof Error ? error.message : String(error);
}

export function ErrorState(props: { error: unknown; onRetry?: () => void; compact?: boolean }) {
  return (
    <div className={`state error${props.compact ? ' compact' : ''}`} role="alert">
      <span>{errorMessage(props.error)}</span>
      {props.onRetry ? (
        <button type="button" onClick={props.onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/**
 * Shows a query's loading and error states, an empty state when `isEmpty` says so, and the
 * children with the data otherwise.
 */
export function QueryView<Data>(props: {
  query: UseQueryResult<Data>;
  isEmpty?: (data: Data) => boolean;
  empty?: ReactNode;
  loadingLabel?: string;
  compact?: boolean;
  children: (data: Data) => ReactNode;
}) {
  const { query } = props;
  if (query.isPending) return <LoadingState label={props.loadingLabel} compact={props.compact} />;
  if (query.isError)
    return <ErrorState error={query.error} onRetry={() => void query.refetch()} compact={props.compact} />;
  if (props.isEmpty?.(query.data)) {
    return <EmptyState compact={props.compact}>{props.empty ?? 'Nothing here yet.'}</EmptyState>;
  }
  return <>{props.children(query.data)}</>;
}

export function InlineError(props: { error: unknown }) {
  if (props.error === null || props.error === undefined) return null;
  return (
    <div className="notice error" role="alert">
      {errorMessage(props.error)}
    </div>
  );
}
