import type { AddressInfo } from 'node:net';
import type restify from 'restify';

/** Starts Tollgate's HTTP server on a free port of 127.0.0.1 and returns its address, e.g. http://127.0.0.1:41234. */
export async function listenLocally(server: restify.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function closeServer(server: restify.Server): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
