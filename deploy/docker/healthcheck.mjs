/* global fetch, AbortSignal */
// Container health check: the process answers /health on its own port within 4 s.
const port = process.env.RUNECAST_PORT || '8080';
try {
  const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(4000) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
