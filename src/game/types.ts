/** Plain data the rules work on. No framework types. */
export type Vec3 = { x: number; y: number; z: number };

/** A refusal with a protocol code (docs/protocol.md) and a player-facing reason. */
export type Refusal = { ok: false; code: string; message: string };
export type Verdict = { ok: true } | Refusal;

export const OK: Verdict = Object.freeze({ ok: true });
export function refuse(code: string, message: string): Refusal {
  return { ok: false, code, message };
}
