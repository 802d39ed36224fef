import { formatHorizon } from '@runecast/market';

/** What a job's payload is about, in a few words. */
export function describePayload(payload: unknown): string {
  if (payload === null || typeof payload !== 'object') return '';
  const record = payload as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof record.series === 'string') parts.push(record.series);
  else if (typeof record.exchange === 'string' && typeof record.symbol === 'string')
    parts.push(
      `${record.exchange}:${record.symbol}${typeof record.timeframe === 'string' ? `:${record.timeframe}` : ''}`,
    );
  if (typeof record.horizonMinutes === 'number') parts.push(`${formatHorizon(record.horizonMinutes)} ahead`);
  if (typeof record.modelType === 'string') parts.push(record.modelType);
  if (Array.isArray(record.models))
    parts.push(record.models.map((model) => (model as { modelType?: string }).modelType).join(', '));
  if (typeof record.modelVersionId === 'number') parts.push(`version ${record.modelVersionId}`);
  return parts.join(' · ');
}
