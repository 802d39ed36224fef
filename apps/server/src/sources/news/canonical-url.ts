/** Query parameters that say where a reader came from, not which page they read. */
const TRACKING_PARAMETER =
  /^(utm_.+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|yclid|_ga|ref|ref_src|ref_url|cmpid|source|src|rss|feed|ocid|guccounter|taid|sr_share|__twitter_impression)$/i;

/**
 * One spelling of an article's address, so the same article found through two feeds, or twice
 * with different tracking tags, is recognised as one: https, lower-case host without `www.` or
 * `amp.`, no default port, no fragment, no tracking parameters, the rest of the query sorted,
 * no trailing slash or `/amp` ending. Null for text that is not an http(s) address.
 */
export function canonicalUrl(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  url.protocol = 'https:';
  url.hostname = url.hostname.toLowerCase().replace(/^(?:www|amp|m)\./, '');
  if (url.port === '80' || url.port === '443') url.port = '';
  url.hash = '';
  url.username = '';
  url.password = '';
  const kept = [...url.searchParams.entries()]
    .filter(([name]) => !TRACKING_PARAMETER.test(name))
    .sort(([left, leftValue], [right, rightValue]) =>
      left === right ? leftValue.localeCompare(rightValue) : left.localeCompare(right),
    );
  url.search = '';
  for (const [name, value] of kept) url.searchParams.append(name, value);
  let path = url.pathname.replace(/\/amp\/?$/i, '/').replace(/\/{2,}/g, '/');
  if (path.length > 1) path = path.replace(/\/+$/, '');
  url.pathname = path;
  return url.toString();
}
