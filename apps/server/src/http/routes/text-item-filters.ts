import { ValidationError } from '@runecast/market';

/** The filters the news and community message routes share, as their query strings give them. */
export interface TextItemFilterQuery {
  about?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  minSentiment?: number | undefined;
  maxSentiment?: number | undefined;
}

/**
 * Checks the filters against each other (400 naming the field) and turns them into the store's
 * text item query: mention, published range and sentiment bounds, each only when given.
 */
export function textItemFilters({ about, from, to, minSentiment, maxSentiment }: TextItemFilterQuery) {
  if (from !== undefined && to !== undefined && from > to) {
    throw new ValidationError('from must not be after to', { field: 'from' });
  }
  if (minSentiment !== undefined && maxSentiment !== undefined && minSentiment > maxSentiment) {
    throw new ValidationError('minSentiment must not be above maxSentiment', { field: 'minSentiment' });
  }
  return {
    ...(about === undefined ? {} : { mention: about }),
    ...(from === undefined && to === undefined
      ? {}
      : { publishedRange: { startMs: from ?? 0, endMs: to ?? Number.MAX_SAFE_INTEGER } }),
    ...(minSentiment === undefined ? {} : { minSentiment }),
    ...(maxSentiment === undefined ? {} : { maxSentiment }),
  };
}
