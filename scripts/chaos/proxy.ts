// The reverse proxy in front of the api processes during a chaos run, doing what the deployment's
// Caddy does (deploy/caddy/Caddyfile): round robin without stickiness, and a request that cannot
// reach one replica is tried on the next within the same request. Written here so the run needs no
// proxy installed; it forwards bodies of at most 1 MB (the API's own limit is 64 kB).
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';

export interface RunningProxy {
  port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1 << 20;
const CONNECT_TIMEOUT_MS = 2_000;

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large for the proxy');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startProxy(upstreamPorts: readonly number[], port = 0): Promise<RunningProxy> {
  let next = 0;
  const server: Server = createServer(async (request, response) => {
    let body: Buffer;
    try {
      body = await readBody(request);
    } catch (error) {
      response.writeHead(413).end((error as Error).message);
      return;
    }
    const first = next++ % upstreamPorts.length;
    for (let attempt = 0; attempt < upstreamPorts.length; attempt += 1) {
      const upstream = upstreamPorts[(first + attempt) % upstreamPorts.length]!;
      const reached = await new Promise<boolean>((resolve) => {
        const forward = httpRequest(
          {
            host: '127.0.0.1',
            port: upstream,
            method: request.method,
            path: request.url,
            headers: { ...request.headers, 'x-forwarded-for': request.socket.remoteAddress ?? '' },
            timeout: CONNECT_TIMEOUT_MS,
          },
          (answer) => {
            response.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(response);
            answer.once('end', () => resolve(true));
            answer.once('error', () => resolve(true));
          },
        );
        // Only failures before an answer started are retried on the next replica.
        forward.once('error', () => resolve(response.headersSent));
        forward.once('timeout', () => forward.destroy(new Error('upstream timed out')));
        forward.end(body);
      });
      if (reached) return;
    }
    if (!response.headersSent) response.writeHead(502).end('no api replica answered');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
