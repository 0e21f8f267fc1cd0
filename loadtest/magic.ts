/**
 * Magic scenario of `npm run bench:rooms` (scenario m): mage bots that cast, a few
 * of them rituals (computed by a separate worker process over Redis), plus a
 * direct micro-benchmark of WorldStore.appendMagicEvents and the Redis cleanup.
 */
import { Redis } from 'ioredis';
import { REGION_SIZE, spawnPoint } from '../src/world/index.js';
import { Bot, type BotSpec, type Pos } from './bot.js';

/**
 * Rituals a ritualist is taught (a DB fixture: learning spells is not a game
 * feature yet). Their cooldowns are 2–10 min, so each is cast once per run:
 * longest cast first, so that all of them complete within warm-up + window.
 * summon_storm (30 s) and bone_colossus (25 s, dark: corruption) are left out.
 * `away`: blocks from the caster towards the outside of the region on both
 * axes (a point aim), or undefined (self).
 */
export const RITUALS: readonly { spellId: string; away?: number }[] = [
  { spellId: 'meteor', away: 16 }, // 20 s, storm: damage radius ~14 at the aim; 16+16 diagonal stays off the bots' grid
  { spellId: 'summon_stone_golem', away: 3 }, // 20 s, range 8
  { spellId: 'purify' }, // 15 s, self
  { spellId: 'raise_earth', away: 6 }, // 12 s, range 24: a mound of radius ≤ 5, clear of the caster's column
  { spellId: 'mass_heal' }, // 10 s, self
];
/** What a ritualist's fixture sets: mana for every ritual above, with room to spare. */
export const RITUALIST_MANA = 2000;

/** Ordinary casts alternate a self spell and an attack (frost shard and arcane bolt in turn). */
const SELF_SPELL = 'mana_shield';
const ATTACKS = ['frost_shard', 'arcane_bolt'] as const;
const ATTACK_RANGE = 24; // both attacks
const RANGE_SLACK = 0.5; // src/game/magic.ts CAST_RANGE_SLACK

type CastReply = { ok: boolean; code?: string; message?: string; data?: { ritualId?: string; completesAt?: number } };
export type RitualStatus = 'completed' | 'cancelled' | 'failed';
export type RitualRecord = { spellId: string; ritualId: string; completesAt: number; status?: RitualStatus; arrivedAt?: number };

const isDead = (r: CastReply) => r.code === 'CASTER_DEAD' || /dead/i.test(r.message ?? '');

export class MagicBot extends Bot {
  /** Request → reply of every cast sent while `recording`. */
  readonly castLatencyMs: number[] = [];
  casts = 0;
  castsOk = 0;
  castFailures = 0;
  /** Times this bot's own hp was seen dropping to 0 in the state (NPCs, other casters' areas). */
  deaths = 0;
  private dead = false;
  /** Refusal code → count, casts only (moves are counted by Bot). */
  readonly castRefusals = new Map<string, number>();
  /** Every ritual this bot started (ok reply), by id. */
  readonly rituals = new Map<string, RitualRecord>();
  /** `ritual` messages for ids whose cast reply had not arrived yet. */
  private readonly early = new Map<string, { status: RitualStatus; at: number }>();
  private nextRitual = 0;
  private slot = 0;

  constructor(spec: BotSpec, readonly ritualist: boolean) {
    super(spec);
  }

  override async join(endpoint: string, roomName: string): Promise<void> {
    await super.join(endpoint, roomName);
    this.room.onMessage('ritual', (m: { ritualId: string; status: RitualStatus }) => this.onRitual(m, Date.now()));
    this.room.onStateChange(() => {
      const hp = (this.me() as { hp?: number } | undefined)?.hp;
      if (hp === undefined) return;
      if (hp <= 0 && !this.dead) this.deaths++;
      this.dead = hp <= 0;
    });
  }

  /** Steps every `moveMs` (no block edits), casts every `castMs`. */
  startMagic(moveMs: number, castMs: number): void {
    this.start(moveMs, 0);
    this.every(castMs, () => this.cast());
  }

  /** Rituals started whose outcome has not arrived. */
  get pendingRituals(): number {
    let n = 0;
    for (const r of this.rituals.values()) if (!r.status) n++;
    return n;
  }

  private cast(): void {
    const me = this.me();
    if (!this.connected || !me) return;
    const ritual = this.ritualist ? RITUALS[this.nextRitual] : undefined;
    if (ritual) return this.send(ritual.spellId, ritual.away === undefined ? {} : this.pointAway(me, ritual.away), true);
    const attack = this.slot++ % 2 === 1;
    if (!attack) return this.send(SELF_SPELL, {}, false);
    const spellId = ATTACKS[Math.floor(this.slot / 2) % ATTACKS.length]!;
    const npc = this.nearestNpc(me);
    // No NPC in reach: aim at a point in range anyway (an enemy spell refuses that: INVALID_TARGET, counted).
    this.send(spellId, npc ? { targetId: npc } : this.pointAway(me, 8), false);
  }

  private send(spellId: string, target: { targetId?: string; x?: number; y?: number; z?: number }, ritual: boolean): void {
    const t0 = performance.now();
    const recording = this.recording;
    this.casts++;
    this.room.request('cast', { spellId, ...target }).then(
      (r: CastReply) => {
        if (recording) this.castLatencyMs.push(performance.now() - t0);
        if (r.ok) {
          this.castsOk++;
          if (ritual && r.data?.ritualId && typeof r.data.completesAt === 'number') {
            const rec: RitualRecord = { spellId, ritualId: r.data.ritualId, completesAt: r.data.completesAt };
            this.rituals.set(rec.ritualId, rec);
            const early = this.early.get(rec.ritualId);
            if (early) this.settle(rec, early.status, early.at);
          }
        } else {
          const code = isDead(r) ? 'CASTER_DEAD' : (r.code ?? '?');
          this.castRefusals.set(code, (this.castRefusals.get(code) ?? 0) + 1);
        }
        // A ritual is done with once it started or is on cooldown; other refusals (dead, mana, range) retry it.
        if (ritual && (r.ok || r.code === 'ON_COOLDOWN')) this.nextRitual++;
      },
      () => this.castFailures++,
    );
  }

  private onRitual(m: { ritualId: string; status: RitualStatus }, at: number): void {
    const rec = this.rituals.get(m.ritualId);
    if (rec) this.settle(rec, m.status, at);
    else this.early.set(m.ritualId, { status: m.status, at });
  }

  private settle(rec: RitualRecord, status: RitualStatus, at: number): void {
    if (rec.status) return; // applied once on the server; a duplicate would be a bug worth seeing, but not twice here
    rec.status = status;
    rec.arrivedAt = at;
  }

  /** A point `d` blocks from `me` on both axes, away from the region's centre, inside the region, on the generated ground. */
  private pointAway(me: Pos, d: number): Pos {
    const r0x = this.spec.rx * REGION_SIZE, r0z = this.spec.rz * REGION_SIZE;
    const sx = me.x < r0x + REGION_SIZE / 2 ? -1 : 1, sz = me.z < r0z + REGION_SIZE / 2 ? -1 : 1;
    const x = Math.min(r0x + REGION_SIZE - 2, Math.max(r0x + 1, Math.floor(me.x) + sx * d));
    const z = Math.min(r0z + REGION_SIZE - 2, Math.max(r0z + 1, Math.floor(me.z) + sz * d));
    return { x: x + 0.5, y: spawnPoint(this.spec.seed, x, z), z: z + 0.5 };
  }

  /** The nearest living NPC in this bot's view within the attack range, if any. */
  private nearestNpc(me: Pos): string | undefined {
    const npcs = this.room.state?.npcs as Map<string, { id: string; x: number; y: number; z: number; hp: number }> | undefined;
    let best: { id: string; d: number } | undefined;
    npcs?.forEach((n) => {
      if (!(n.hp > 0)) return;
      const d = Math.hypot(n.x - me.x, n.y - me.y, n.z - me.z);
      if (d <= ATTACK_RANGE + RANGE_SLACK - 0.25 && (!best || d < best.d)) best = { id: n.id, d };
    });
    return best?.id;
  }
}

/** Deletes every Redis key under `${prefix}:` (BullMQ's keys of one JOBS_PREFIX); returns how many. */
export async function deleteRedisPrefix(redisUrl: string, prefix: string): Promise<number> {
  const r = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    const keys: string[] = [];
    for await (const batch of r.scanStream({ match: `${prefix}:*`, count: 500 })) keys.push(...(batch as string[]));
    for (let i = 0; i < keys.length; i += 500) await r.del(...keys.slice(i, i + 500));
    return keys.length;
  } finally {
    r.disconnect();
  }
}

/** Fails early, with a clear message, when no Redis answers at `redisUrl`. */
export async function pingRedis(redisUrl: string): Promise<void> {
  const r = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000, retryStrategy: () => null });
  try {
    await r.connect();
    await r.ping();
  } catch (err) {
    throw new Error(`the magic scenario needs Redis at ${redisUrl} (set BENCH_REDIS_URL, or skip it with --only a|b): ${(err as Error).message}`);
  } finally {
    r.disconnect();
  }
}

export type AppendBench = { batches: number; batchRows: number; rows: number; seconds: number; rowsPerS: number; batchMs: { p50: number; p99: number; n: number } };

/**
 * WorldStore.appendMagicEvents, timed directly: `batches` sequential batches of
 * `batchRows` rows shaped like a room's (one warm-up batch first, not timed),
 * on the bench database (the server child has stopped by then).
 */
export async function benchAppendMagicEvents(
  databaseUrl: string,
  worldId: string,
  characterIds: string[],
  batches: number,
  batchRows: number,
  quant: (xs: number[]) => { p50: number; p99: number; n: number },
): Promise<AppendBench> {
  // Loaded here only: the ORM stays out of the bots' process for scenarios a and b.
  const { openOrm } = await import('../src/db/orm.js');
  const { WorldStore } = await import('../src/persist/store.js');
  const { createLogger } = await import('../src/log.js');
  const orm = await openOrm(databaseUrl, createLogger('warn'), { poolMax: 2 });
  try {
    const store = new WorldStore(orm.em);
    const spells = ['arcane_bolt', 'frost_shard', 'mana_shield', 'fireball'];
    const batch = (b: number) =>
      Array.from({ length: batchRows }, (_, i) => {
        const ok = (i + b) % 3 !== 0;
        return {
          createdAt: new Date(), worldId, characterId: characterIds[i % characterIds.length]!, spellId: spells[i % spells.length]!,
          success: ok, code: ok ? null : 'ON_COOLDOWN', effect: ok ? 18.5 : 0, manaSpent: ok ? 14 : 0, rx: 1, rz: 1,
          data: ok ? { factors: { mastery: 1, leyline: 1.1, biome: 1, timeOfDay: 1, environment: 1.1 }, x: 150.5, z: 140.5 } : {},
        };
      });
    await store.appendMagicEvents(batch(-1)); // warm-up: connection, plan, partition
    const ms: number[] = [];
    let rows = 0;
    for (let b = 0; b < batches; b++) {
      const rowsOf = batch(b); // built outside the timed call: the store's cost, not the fixture's
      const t = performance.now();
      rows += await store.appendMagicEvents(rowsOf);
      ms.push(performance.now() - t);
    }
    const seconds = ms.reduce((a, v) => a + v, 0) / 1000;
    return { batches, batchRows, rows, seconds, rowsPerS: rows / seconds, batchMs: quant(ms) };
  } finally {
    await orm.close();
  }
}
