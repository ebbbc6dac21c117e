/** Starts the API's HTTP server and stops it cleanly (no new requests, open keep-alive sockets closed). */
import type { Server } from 'node:http';
import type { Express } from 'express';

export interface RunningApi {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export function listen(app: Express, host: string, port: number): Promise<RunningApi> {
  return new Promise((resolve, reject) => {
    const server: Server = app.listen(port, host);
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new Error(`API port ${host}:${port} is taken (set NOVAFLOW_API_PORT)`) : err);
    });
    server.once('listening', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      resolve({
        url: `http://${host}:${bound}`,
        port: bound,
        stop: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
            setTimeout(() => server.closeAllConnections(), 5000).unref();
          }),
      });
    });
  });
}
