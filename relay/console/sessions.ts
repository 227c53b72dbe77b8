import { randomBytes, timingSafeEqual } from 'node:crypto';

/** What a console session may do: the token it was opened with. */
export type ConsoleRole = 'admin' | 'auditor';

export interface ConsoleSession {
  id: string;
  role: ConsoleRole;
  /** Sent by the page in `X-CSRF-Token` with every change; never in the cookie. */
  csrf: string;
  createdAt: number;
  lastSeenAt: number;
}

/** Lifetimes of a session. */
export interface SessionLimits {
  /** Ends a session this long after its last request. @default 30 minutes */
  idleMs: number;
  /** Ends a session this long after sign-in, however busy. @default 8 hours */
  absoluteMs: number;
  /** Sessions kept at most; signing in past it ends the oldest. @default 1000 */
  max: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 30 * 60_000, absoluteMs: 8 * 3600_000, max: 1000 };

/**
 * The console's sessions, held in memory only: a restart signs everyone out, and no session id
 * or CSRF token is ever written to disk. Ids are 256 random bits.
 */
export class ConsoleSessions {
  private readonly sessions = new Map<string, ConsoleSession>();

  constructor(
    private readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  open(role: ConsoleRole): ConsoleSession {
    this.sweep();
    while (this.sessions.size >= this.limits.max) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    const at = this.now();
    const session = { id: token(), role, csrf: token(), createdAt: at, lastSeenAt: at };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id (and marks it used), or undefined when unknown or expired. */
  find(id: string | undefined): ConsoleSession | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (session === undefined) return undefined;
    const at = this.now();
    if (this.expired(session, at)) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastSeenAt = at;
    return session;
  }

  close(id: string): void {
    this.sessions.delete(id);
  }

  private expired(session: ConsoleSession, at: number): boolean {
    return at - session.lastSeenAt >= this.limits.idleMs || at - session.createdAt >= this.limits.absoluteMs;
  }

  private sweep(): void {
    const at = this.now();
    for (const [id, session] of this.sessions) if (this.expired(session, at)) this.sessions.delete(id);
  }
}

/** Compares a presented CSRF token with the session's in constant time. */
export function csrfMatches(session: ConsoleSession, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(session.csrf);
  return a.length === b.length && timingSafeEqual(a, b);
}

function token(): string {
  return randomBytes(32).toString('base64url');
}
