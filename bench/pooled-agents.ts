import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';

/**
 * A bench variant (not shipped: with it the short soak saw far more Moesif client timeouts, not
 * yet explained). Keep-alive agents for Moesif that skip one call per request. Node's Agent#keepSocketAlive
 * (documented as meant to be overridden) calls socket.setKeepAlive() each time a socket returns
 * to the pool, although SO_KEEPALIVE was set when the socket was first kept; the rest of it (the
 * server's Keep-Alive timeout hint, the idle timeout) still runs. Measured with
 * `npm run bench:moesif-http`.
 */
function keepWithoutSetKeepAlive(socket: Socket, keep: (socket: Socket) => boolean): boolean {
  if (!kept.has(socket)) {
    kept.add(socket);
    return keep(socket);
  }
  const setKeepAlive = socket.setKeepAlive;
  socket.setKeepAlive = () => socket;
  try {
    return keep(socket);
  } finally {
    socket.setKeepAlive = setKeepAlive;
  }
}
const kept = new WeakSet<Socket>();

// @types/node declares keepSocketAlive as returning void; Node returns whether the socket may be kept.
type KeepSocketAlive = (socket: Socket) => boolean;

export class PooledHttpAgent extends http.Agent {
  override keepSocketAlive(socket: Socket): boolean {
    return keepWithoutSetKeepAlive(socket, (s) => (super.keepSocketAlive as unknown as KeepSocketAlive).call(this, s));
  }
}

export class PooledHttpsAgent extends https.Agent {
  override keepSocketAlive(socket: Socket): boolean {
    return keepWithoutSetKeepAlive(socket, (s) => (super.keepSocketAlive as unknown as KeepSocketAlive).call(this, s));
  }
}
