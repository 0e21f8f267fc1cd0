import type { Refusal } from '../types.js';

/** A command's answer: resolved on the tick that applied it. */
export type Reply = { ok: true; data?: unknown } | Refusal;
