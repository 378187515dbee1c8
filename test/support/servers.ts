// Real servers on 127.0.0.1 for tests. Each listens on port 0 (the OS picks a free
// port) and close() destroys open sockets, so a hung or trickling handler cannot
// keep a test run alive.
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';

export interface StartedHttpServer {
  url: string;
  port: number;
  server: http.Server;
  close: () => Promise<void>;
}

export interface StartedTcpServer {
  port: number;
  server: net.Server;
  close: () => Promise<void>;
}

const HOST = '127.0.0.1';

function trackSockets(server: net.Server, event: 'connection' | 'secureConnection' = 'connection'): () => void {
  const sockets = new Set<net.Socket>();
  server.on(event, (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A client that vanishes mid-exchange must not crash the test process.
    socket.on('error', () => undefined);
  });
  return () => {
    for (const socket of sockets) socket.destroy();
  };
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

function closer(server: net.Server, destroyAll: () => void): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      destroyAll();
      server.close(() => resolve());
    });
}

export async function startHttpServer(handler: http.RequestListener): Promise<StartedHttpServer> {
  const server = http.createServer({ keepAlive: false }, handler);
  const destroyAll = trackSockets(server);
  const port = await listen(server);
  return { url: `http://${HOST}:${port}`, port, server, close: closer(server, destroyAll) };
}

export async function startHttpsServer(
  handler: http.RequestListener,
  tls: { certPem: string; keyPem: string; caPem?: string },
): Promise<StartedHttpServer> {
  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem, ...(tls.caPem ? { ca: tls.caPem } : {}) }, handler);
  const destroyAll = trackSockets(server);
  // Failed handshakes (the client rejecting our certificate) are expected in tests.
  server.on('tlsClientError', () => undefined);
  const port = await listen(server);
  return { url: `https://${HOST}:${port}`, port, server, close: closer(server, destroyAll) };
}

export async function startTcpServer(onConnection: (socket: net.Socket) => void): Promise<StartedTcpServer> {
  const server = net.createServer();
  const destroyAll = trackSockets(server);
  server.on('connection', onConnection);
  const port = await listen(server);
  return { port, server, close: closer(server, destroyAll) };
}
