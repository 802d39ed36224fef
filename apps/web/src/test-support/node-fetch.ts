// Node's own fetch, kept before happy-dom replaces the globals. Import this before
// dom-environment.ts in a test that talks to a real server over the network: happy-dom's fetch
// applies a page's cross-origin rules, which a local receiver or test API does not answer.
export const nodeFetch: typeof fetch = globalThis.fetch.bind(globalThis);
