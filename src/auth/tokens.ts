/**
 * Access tokens: HS256 JWTs carrying the user id (`sub`) and the session id
 * (`sid`). The algorithm is pinned on verify, so `alg: none` and algorithm
 * confusion are refused; revocation is the session row's `revoked_at`.
 */
import jwt from 'jsonwebtoken';

export type TokenClaims = { sub: string; sid: string; iat: number; exp: number };

const ALGORITHM = 'HS256' as const;
const ISSUER = 'leyline';

export class TokenService {
  constructor(
    private readonly secret: string,
    readonly ttlS: number,
  ) {}

  sign(userId: string, sessionId: string): string {
    return jwt.sign({ sid: sessionId }, this.secret, {
      algorithm: ALGORITHM,
      subject: userId,
      issuer: ISSUER,
      expiresIn: this.ttlS,
    });
  }

  /** The claims of a valid, unexpired token we signed; undefined for anything else. */
  verify(token: string): TokenClaims | undefined {
    try {
      const claims = jwt.verify(token, this.secret, { algorithms: [ALGORITHM], issuer: ISSUER });
      if (typeof claims !== 'object' || typeof claims.sub !== 'string' || typeof claims.sid !== 'string') return undefined;
      return claims as TokenClaims;
    } catch {
      return undefined;
    }
  }
}
