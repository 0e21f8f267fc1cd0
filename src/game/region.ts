/**
 * The authoritative simulation of one region: the voxel world, the live
 * characters in it, and the inputs queued against them. Handlers enqueue
 * commands; `step()` applies them in arrival order on the tick, so a tick sees
 * a consistent world, and resolves each command's reply. Pure: no framework,
 * no database, time comes in as an argument.
 */
import { blockToChunk, chunkKey, isValidBlockId, regionOfBlock, Block, VoxelWorld, WORLD_HEIGHT } from '../world/index.js';
import { checkBlockEdit, type BlockEdit } from './blocks.js';
import { cleanChat } from './chat.js';
import { applyGravity, checkMove, moveBudgetAt, unstuck } from './movement.js';
import { refuse, type Refusal, type Vec3 } from './types.js';
import { emptyMagicEvents, RegionMagic, type CastCommand, type MagicCatalogue, type MagicEvents } from './region-magic.js';

export type LiveCharacter = Vec3 & {
  id: string;
  userId: string;
  name: string;
  characterClass: string;
  level: number;
  xp: number;
  stats: Record<string, unknown>;
  yaw: number;
  hp: number;
  maxHp: number;
  mana: number;
  maxMana: number;
  corruption: number;
  knownSpells: string[];
  cooldowns: Map<string, number>;
  lastMoveAt: number;
  moveBudget: number;
  /** spellId → successful casts (character_skills). */
  mastery?: Map<string, { uses: number }>;
  shield?: number;
  /** Set while dead: when the character respawns. */
  respawnAt?: number;
};

export type Command =
  | { kind: 'move'; characterId: string; to: Vec3 & { yaw?: number } }
  | { kind: 'block'; characterId: string; edit: BlockEdit }
  | { kind: 'chat'; characterId: string; text: string }
  | ({ kind: 'cast'; characterId: string } & CastCommand);

export type Reply = { ok: true; data?: unknown } | Refusal;

export type BlockChange = { key: string; cx: number; cy: number; cz: number; index: number; block: number | undefined; version: number };

/** What a tick changed, for the room to mirror into state and send. */
export type TickEvents = {
  /** Characters whose live state changed (position, yaw …). */
  changed: Set<string>;
  blocks: BlockChange[];
  corrections: { characterId: string; x: number; y: number; z: number }[];
  chats: { characterId: string; from: string; text: string }[];
  /** Characters now standing in another region: to be handed off. */
  crossings: { characterId: string; rx: number; rz: number }[];
  /** Casts, combat, NPCs, rituals, world events (empty when magic is off). */
  magic: MagicEvents;
};

/** Inputs waiting for the next tick, per region. Full → refused (the stated overload rule). */
export const MAX_QUEUED_COMMANDS = 2048;

export class RegionSim {
  readonly world: VoxelWorld;
  readonly characters = new Map<string, LiveCharacter>();
  /** Chunk key → version, bumped on every edit (mirrors ChunkState.version). */
  readonly chunkVersions = new Map<string, number>();
  private queue: { cmd: Command; resolve: (r: Reply) => void }[] = [];
  /** Characters being handed off: inputs for them are refused. */
  private frozen = new Set<string>();

  /** Magic, combat and NPCs; absent when the sim runs without a catalogue (movement-only tests). */
  readonly magic: RegionMagic | undefined;
  /** In-game hour for environment factors, set by the room from the world clock. */
  hour = 12;

  constructor(
    readonly seed: number,
    readonly rx: number,
    readonly rz: number,
    opts: { cacheChunks?: number; magic?: { catalogue: MagicCatalogue; newId: () => string; now: number; npcCount?: number } } = {},
  ) {
    this.world = new VoxelWorld(seed, { cacheChunks: opts.cacheChunks ?? 1024 });
    const m = opts.magic;
    this.magic = m ? new RegionMagic(seed, rx, rz, m.catalogue, m.newId, m.now, m.npcCount) : undefined;
  }

  loadChunk(cx: number, cy: number, cz: number, version: number, edits: Iterable<readonly [number, number]>): void {
    const key = chunkKey(cx, cy, cz);
    this.world.loadEdits(key, edits);
    this.chunkVersions.set(key, version);
  }

  /** Adds a character, lifting it out of blocks if the terrain changed while it was away. */
  addCharacter(c: LiveCharacter): LiveCharacter {
    Object.assign(c, unstuck(this.world, c));
    this.characters.set(c.id, c);
    this.frozen.delete(c.id);
    return c;
  }

  removeCharacter(id: string, ev?: TickEvents): LiveCharacter | undefined {
    const c = this.characters.get(id);
    if (c && this.magic) this.magic.cancelRitualsOf(id, ev?.magic ?? emptyMagicEvents());
    this.characters.delete(id);
    this.frozen.delete(id);
    return c;
  }

  freeze(id: string): void {
    this.frozen.add(id);
  }

  get queued(): number {
    return this.queue.length;
  }

  enqueue(cmd: Command): Promise<Reply> {
    if (this.queue.length >= MAX_QUEUED_COMMANDS) return Promise.resolve(refuse('RATE_LIMITED', 'the region is overloaded; try again'));
    return new Promise((resolve) => this.queue.push({ cmd, resolve }));
  }

  /** Applies queued inputs in order, then gravity. */
  step(now: number, dtMs: number): TickEvents {
    const ev: TickEvents = { changed: new Set(), blocks: [], corrections: [], chats: [], crossings: [], magic: emptyMagicEvents() };
    const queue = this.queue;
    this.queue = [];
    for (const { cmd, resolve } of queue) {
      const c = this.characters.get(cmd.characterId);
      if (!c || this.frozen.has(c.id)) {
        resolve(refuse('NOT_IN_REGION', 'your character is not in this region'));
        continue;
      }
      resolve(this.apply(c, cmd, now, ev));
    }
    this.magic?.step(this.characters, now, dtMs, ev.magic);
    for (const b of ev.magic.ritualBlocks) this.applyWorldEdit(b.x, b.y, b.z, b.block, ev);
    for (const c of this.characters.values()) {
      if (this.frozen.has(c.id) || c.respawnAt !== undefined) continue;
      const y = applyGravity(this.world, c, now, dtMs);
      if (y !== undefined) {
        c.y = y;
        ev.changed.add(c.id);
      }
    }
    return ev;
  }

  /** Sets a block and records the chunk change; undefined when nothing changed. */
  private setBlock(x: number, y: number, z: number, id: number, ev: TickEvents): BlockChange | undefined {
    if (!this.world.setBlock(x, y, z, id)) return undefined;
    const b = blockToChunk(x, y, z);
    const key = chunkKey(b.cx, b.cy, b.cz);
    const version = (this.chunkVersions.get(key) ?? 0) + 1;
    this.chunkVersions.set(key, version);
    const change = { key, cx: b.cx, cy: b.cy, cz: b.cz, index: b.index, block: this.world.editsOf(key).get(b.index), version };
    ev.blocks.push(change);
    return change;
  }

  /**
   * A world edit that is not a player's (a ritual's): kept inside this region and
   * the world's height, never into a character's body, never breaking bedrock.
   */
  private applyWorldEdit(x: number, y: number, z: number, id: number, ev: TickEvents): void {
    if (!Number.isInteger(x) || !Number.isInteger(y) || !Number.isInteger(z) || y < 1 || y >= WORLD_HEIGHT) return;
    const r = regionOfBlock(x, z);
    if (r.rx !== this.rx || r.rz !== this.rz || !isValidBlockId(id) || this.world.getBlock(x, y, z) === Block.BEDROCK) return;
    for (const c of this.characters.values()) {
      if (Math.abs(c.x - (x + 0.5)) < 0.8 && Math.abs(c.z - (z + 0.5)) < 0.8 && y + 1 > c.y && y < c.y + 1.8) return;
    }
    this.setBlock(x, y, z, id, ev);
  }

  private apply(c: LiveCharacter, cmd: Command, now: number, ev: TickEvents): Reply {
    switch (cmd.kind) {
      case 'move': {
        if (c.respawnAt !== undefined) return refuse('INVALID_MOVE', 'you are dead; wait to respawn');
        const verdict = checkMove(this.world, c, cmd.to, now);
        if (!verdict.ok) {
          ev.corrections.push({ characterId: c.id, x: c.x, y: c.y, z: c.z });
          return verdict;
        }
        c.moveBudget = moveBudgetAt(c, now) - Math.hypot(cmd.to.x - c.x, cmd.to.z - c.z);
        c.lastMoveAt = now;
        c.x = cmd.to.x;
        c.y = cmd.to.y;
        c.z = cmd.to.z;
        if (cmd.to.yaw !== undefined) c.yaw = cmd.to.yaw;
        ev.changed.add(c.id);
        const r = regionOfBlock(c.x, c.z);
        if (r.rx !== this.rx || r.rz !== this.rz) {
          this.frozen.add(c.id); // no more inputs here until the handoff is done
          ev.crossings.push({ characterId: c.id, ...r });
        }
        return { ok: true, data: { x: c.x, y: c.y, z: c.z } };
      }
      case 'block': {
        const verdict = checkBlockEdit(this.world, this, c, cmd.edit, this.characters.values());
        if (!verdict.ok) return verdict;
        const { x, y, z } = cmd.edit;
        const change = this.setBlock(x, y, z, cmd.edit.action === 'break' ? Block.AIR : cmd.edit.block!, ev)!;
        return { ok: true, data: { chunk: change.key, index: change.index, version: change.version } };
      }
      case 'cast': {
        if (!this.magic) return refuse('UNKNOWN_SPELL', 'magic is not available here');
        return this.magic.cast(c, cmd, this.characters, now, this.hour, ev.magic);
      }
      case 'chat': {
        const { verdict, text } = cleanChat(cmd.text);
        if (!verdict.ok) return verdict;
        ev.chats.push({ characterId: c.id, from: c.name, text });
        return { ok: true };
      }
    }
  }
}

/** In-game hour (0..24) from the world clock: every room of every process agrees. */
export function timeOfDay(now: number, dayLengthMs: number): number {
  return ((now / dayLengthMs) * 24) % 24;
}
