import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { signAccessToken, type Viewer } from '@storefront/auth';
import { forbidden, isUuid, notFound, unauthenticated } from '@storefront/resolver-kit';
import { failure, type Failure, type UserErrorData } from '@storefront/user-errors';
import type { PrismaClient, User } from './generated/prisma/client.js';
import type { Loaders } from './loaders.js';
import { hashPassword, verifyPassword } from './passwords.js';

export interface IssuedSession {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  refreshExpiresAt: Date;
}

export type AuthResult = { ok: true; user: User; session: IssuedSession } | Failure;

/** Where ended sessions are recorded, so their access tokens are refused everywhere. */
export interface SessionEnding {
  revoke(sessionId: string, forSeconds: number): Promise<void>;
}

export interface UsersSettings {
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  scryptCost: number;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MIN_PASSWORD = 10;
const MAX_PASSWORD = 200;

function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Accounts and sessions. Passwords are hashed with scrypt; refresh tokens are random,
 * stored as sha256 hashes, single-use, and grouped in families so reuse of a spent token
 * (a sign of theft) revokes every token of that login.
 */
export class UsersService {
  // Verified against when an email is unknown, so a wrong email costs as long as a wrong password.
  private readonly decoyHash: Promise<string>;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly settings: UsersSettings,
    private readonly endedSessions?: SessionEnding,
  ) {
    this.decoyHash = hashPassword(randomUUID(), settings.scryptCost);
  }

  /** A user for `viewer`: admins see anyone, others only themselves. */
  async userFor(viewer: Viewer | undefined, id: string, loaders: Loaders): Promise<User | null> {
    if (!viewer) throw unauthenticated('Sign in to look up an account.');
    if (viewer.role !== 'ADMIN' && viewer.id !== id) throw forbidden('You can only look up your own account.');
    if (!isUuid(id)) throw notFound('User');
    const user = await loaders.userById.load(id);
    if (!user) throw notFound('User');
    return user;
  }

  /** Email is personal: the user themself and admins only. */
  canSeeEmail(viewer: Viewer | undefined, user: Pick<User, 'id'>): boolean {
    return viewer !== undefined && (viewer.role === 'ADMIN' || viewer.id === user.id);
  }

  async signUp(input: { email: string; password: string; name: string }): Promise<AuthResult> {
    const email = normalizeEmail(input.email);
    const name = input.name.trim();
    const errors: UserErrorData[] = [];
    if (!EMAIL.test(email) || email.length > 254) {
      errors.push({ field: 'email', message: 'Enter a valid email address.', code: 'INVALID_EMAIL' });
    }
    if (input.password.length < MIN_PASSWORD || input.password.length > MAX_PASSWORD) {
      errors.push({
        field: 'password',
        message: `Password must be ${MIN_PASSWORD} to ${MAX_PASSWORD} characters long.`,
        code: 'WEAK_PASSWORD',
      });
    }
    if (name.length < 1 || name.length > 100) {
      errors.push({ field: 'name', message: 'Name must be 1 to 100 characters long.', code: 'INVALID_NAME' });
    }
    if (errors.length > 0) return { ok: false, errors };

    const passwordHash = await hashPassword(input.password, this.settings.scryptCost);
    try {
      const user = await this.prisma.user.create({ data: { email, name, passwordHash } });
      return { ok: true, user, session: await this.startSession(user) };
    } catch (error) {
      if ((error as { code?: string }).code === 'P2002') {
        return failure('EMAIL_TAKEN', 'An account with this email already exists.', 'email');
      }
      throw error;
    }
  }

  async logIn(emailInput: string, password: string): Promise<AuthResult> {
    const user = await this.prisma.user.findUnique({ where: { email: normalizeEmail(emailInput) } });
    const valid = await verifyPassword(password.slice(0, MAX_PASSWORD), user?.passwordHash ?? (await this.decoyHash));
    if (!user || !valid) return failure('INVALID_CREDENTIALS', 'Email or password is incorrect.');
    return { ok: true, user, session: await this.startSession(user) };
  }

  async refresh(refreshToken: string): Promise<AuthResult> {
    const invalid = () => failure('INVALID_REFRESH_TOKEN', 'Your session has ended. Please sign in again.', 'refreshToken');
    const session = await this.prisma.refreshSession.findUnique({
      where: { tokenHash: tokenHash(refreshToken) },
      include: { user: true },
    });
    if (!session || session.revokedAt || session.expiresAt <= new Date()) return invalid();
    if (session.replacedAt) {
      await this.revokeFamily(session.familyId);
      return failure(
        'REFRESH_TOKEN_REUSED',
        'This session was used elsewhere and has been ended. Please sign in again.',
        'refreshToken',
      );
    }
    const next = this.newRefreshToken();
    const rotated = await this.prisma.$transaction(async (tx) => {
      // Conditional on not yet replaced: of two concurrent refreshes with one token, one wins.
      const spent = await tx.refreshSession.updateMany({
        where: { id: session.id, replacedAt: null, revokedAt: null },
        data: { replacedAt: new Date() },
      });
      if (spent.count !== 1) return false;
      await tx.refreshSession.create({
        data: { familyId: session.familyId, userId: session.userId, tokenHash: tokenHash(next.token), expiresAt: next.expiresAt },
      });
      return true;
    });
    if (!rotated) {
      await this.revokeFamily(session.familyId);
      return failure(
        'REFRESH_TOKEN_REUSED',
        'This session was used elsewhere and has been ended. Please sign in again.',
        'refreshToken',
      );
    }
    return { ok: true, user: session.user, session: await this.sessionFor(session.user, session.familyId, next) };
  }

  /** Ends the login this refresh token belongs to. */
  async logOut(refreshToken: string): Promise<boolean> {
    const session = await this.prisma.refreshSession.findUnique({ where: { tokenHash: tokenHash(refreshToken) } });
    if (!session) return false;
    await this.revokeFamily(session.familyId);
    return true;
  }

  /** Ends a login: its refresh tokens here, its access tokens (whose `sid` is the family) wherever they are verified. */
  private async revokeFamily(familyId: string): Promise<void> {
    await this.prisma.refreshSession.updateMany({
      where: { familyId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    await this.endedSessions?.revoke(familyId, this.settings.accessTokenTtlSeconds);
  }

  private newRefreshToken() {
    return {
      token: randomBytes(32).toString('base64url'),
      expiresAt: new Date(Date.now() + this.settings.refreshTokenTtlDays * 86_400_000),
    };
  }

  private async startSession(user: User): Promise<IssuedSession> {
    const next = this.newRefreshToken();
    const familyId = randomUUID();
    await this.prisma.refreshSession.create({
      data: { familyId, userId: user.id, tokenHash: tokenHash(next.token), expiresAt: next.expiresAt },
    });
    return this.sessionFor(user, familyId, next);
  }

  /** Access tokens name their refresh family (`sid`): revoking it, or signing out, ends what follows the session (live streams too). */
  private async sessionFor(user: User, familyId: string, refresh: { token: string; expiresAt: Date }): Promise<IssuedSession> {
    const { accessToken, expiresIn } = await signAccessToken(
      { id: user.id, role: user.role, sessionId: familyId },
      { secret: this.settings.jwtSecret, ttlSeconds: this.settings.accessTokenTtlSeconds },
    );
    return { accessToken, expiresIn, refreshToken: refresh.token, refreshExpiresAt: refresh.expiresAt };
  }
}
