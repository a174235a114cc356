import type { RequestHandler } from 'express';
import { ApiError } from '../api-error.js';

/**
 * A bound on the bytes that requests of one route may buffer at once. Each request reserves its
 * declared Content-Length (or the per-request maximum when it sends none) before its body is
 * read, and gives it back when its response is done or its connection closes; a request that does
 * not fit is answered 503 at once, without reading its body. Stalled senders therefore cost at
 * most `maxBytes` between them, not `connections × per-request limit`.
 */
export class BodyBudget {
  private reserved = 0;

  constructor(
    readonly maxBytes: number,
    readonly perRequestMaxBytes: number,
  ) {}

  get inUse(): number {
    return this.reserved;
  }

  middleware(): RequestHandler {
    return (req, res, next) => {
      const header = req.get('content-length');
      const declared = header !== undefined && /^[0-9]{1,15}$/.test(header) ? Number(header) : null;
      if (declared !== null && declared > this.perRequestMaxBytes) {
        res.setHeader('Connection', 'close');
        throw new ApiError('payload_too_large', 'The request body is too large.');
      }
      const bytes = declared ?? this.perRequestMaxBytes;
      if (this.reserved + bytes > this.maxBytes) {
        res.setHeader('Connection', 'close');
        res.setHeader('Retry-After', '1');
        throw new ApiError('server_busy', 'Too many request bodies are being received at once; retry shortly.');
      }
      this.reserved += bytes;
      let released = false;
      res.once('close', () => {
        if (released) return;
        released = true;
        this.reserved -= bytes;
      });
      next();
    };
  }
}
