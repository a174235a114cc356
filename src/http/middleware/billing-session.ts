import type { Request, RequestHandler, Response } from 'express';
import { resumeSession, sessionCaller, SESSION_TTL_MS, type BillingSessionDeps } from '../../billing-page/billing-sessions.js';
import { csrfMatches } from '../../billing-page/billing-tokens.js';
import type { BillingSession } from '../../store/store.js';
import { ApiError } from '../api-error.js';

const LOCAL_HOSTS = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|::1)$/;

/**
 * Whether the billing cookie is Secure: always, except when the page is served to localhost (a
 * developer's http://localhost, where a Secure cookie would need https). Decided by
 * BILLING_PUBLIC_URL when set, else by the host the request came to.
 */
export function cookieIsSecure(req: Request, publicUrl: string | undefined): boolean {
  const host = publicUrl ? new URL(publicUrl).hostname : req.hostname;
  return !LOCAL_HOSTS.test(host);
}

/** `__Host-` binds a Secure cookie to exactly this host and path /, so no sibling domain can plant one. */
const cookieName = (secure: boolean) => (secure ? '__Host-topup_billing' : 'topup_billing');

function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Sets the session cookie; it lives as long as the session (at most an hour, less for a JWT about to expire). */
export function setSessionCookie(res: Response, token: string, secure: boolean, maxAgeMs: number = SESSION_TTL_MS): void {
  const maxAge = Math.max(0, Math.ceil(Math.min(maxAgeMs, SESSION_TTL_MS) / 1000));
  res.append('Set-Cookie', `${cookieName(secure)}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`);
}

/** Removes the session cookie from the browser (sign-out). */
export function clearSessionCookie(res: Response, secure: boolean): void {
  res.append('Set-Cookie', `${cookieName(secure)}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`);
}

/** What a request's billing cookie opens (null: no cookie, or its session ended). */
export interface BillingContext {
  session: BillingSession;
  sessionToken: string;
  /** Whether the cookie is Secure (and so named __Host-…). */
  secure: boolean;
}

/** Resumes the session of the request's cookie and renews the cookie (1 h sliding). */
export async function billingContext(deps: BillingSessionDeps, req: Request, res: Response, publicUrl: string | undefined): Promise<BillingContext | null> {
  const secure = cookieIsSecure(req, publicUrl);
  const token = readCookie(req, cookieName(secure));
  const session = await resumeSession(deps, token);
  if (!session || token === undefined) return null;
  setSessionCookie(res, token, secure, session.expiresAt - deps.now());
  return { session, sessionToken: token, secure };
}

/** The page's API: a live session is required; the caller is that session's customer. */
export function requireBillingSession(deps: BillingSessionDeps, publicUrl: string | undefined): RequestHandler {
  return async (req, res, next) => {
    const context = await billingContext(deps, req, res, publicUrl);
    if (!context) throw new ApiError('unauthenticated', 'Your billing session has ended; open billing again from your account.');
    res.locals.billing = context;
    res.locals.caller = sessionCaller(context.sessionToken, context.session.customerId);
    next();
  };
}

export function billingOf(res: Response): BillingContext {
  const context = res.locals.billing as BillingContext | undefined;
  if (!context) throw new Error('billingOf() used on a route without requireBillingSession()');
  return context;
}

/** Every state-changing request of the page carries the session's CSRF token (X-CSRF-Token). */
export const requireCsrf: RequestHandler = (req, res, next) => {
  if (!csrfMatches(billingOf(res).sessionToken, req.get('x-csrf-token'))) {
    throw new ApiError('forbidden', 'Missing or wrong X-CSRF-Token; reload the billing page.');
  }
  next();
};

/**
 * Headers of every billing page and asset: scripts and styles from our origin only (no inline
 * script, no third party, no CDN), images also from the operator's logo origin, no framing, no
 * referrer (a link token never leaks), nothing cached.
 */
export function billingPageHeaders(logoUrl: string | undefined): RequestHandler {
  const img = logoUrl ? `'self' ${new URL(logoUrl).origin}` : `'self'`;
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src ${img}`,
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return (_req, res, next) => {
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    next();
  };
}
