/**
 * A player's characters (docs/protocol.md: `/api/characters`). REST only creates,
 * reads and retires characters; their live fields belong to the room that
 * holds them ("one writer per character"), see `CharactersRouterOptions.isLive`.
 */
import { Router } from 'express';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import type { AccountService } from '../../auth/accounts.js';
import { loadContent } from '../../content/index.js';
import { Character, CharacterSkill, InventoryItem, User, World, type ICharacter } from '../../db/entities/index.js';
import { defaultSpawn, newCharacterFor } from '../../game/character.js';
import { listRelationships } from '../../db/narration.js';
import { ApiError, badRequest, forbidden, fromZod, notFound } from '../errors.js';
import { auth, requireAuth } from '../middleware.js';

export const MAX_CHARACTERS_PER_USER = 8;

export type CharactersRouterOptions = {
  /**
   * True while a room holds the character. Such a character has one writer, the
   * room, so REST refuses to change it (409 `CHARACTER_IN_PLAY`). The server
   * passes the live-character registry's lookup; without one nothing is live.
   */
  isLive?: (characterId: string) => Promise<boolean>;
  maxPerUser?: number;
};

// Unicode letters (plus combining marks) and decimal digits, so "Élowen" is a name; no other symbols.
const NAME_RE = /^[\p{L}\p{M}\p{Nd} '_-]{3,24}$/u;

/** NFC, trimmed, inner runs of spaces collapsed: "Bob  Smith" must not pass for a different name than "Bob Smith". */
export const characterName = z
  .string()
  .max(256)
  .transform((s) => s.normalize('NFC').trim().replace(/ {2,}/g, ' '))
  .pipe(z.string().regex(NAME_RE, "3–24 letters, digits, spaces, ', - or _").regex(/\p{L}/u, 'must contain a letter'));

const idParam = z.guid();

type InventoryView = { slot: number; itemId: string; quantity: number; data: Record<string, unknown> };

const position = (c: Pick<ICharacter, 'x' | 'y' | 'z'>) => ({ x: c.x, y: c.y, z: c.z });

const summary = (c: ICharacter) => ({
  id: c.id,
  name: c.name,
  characterClass: c.characterClass,
  level: c.level,
  worldId: c.world.id,
  position: position(c),
});

const detail = (c: ICharacter, inventory: readonly InventoryView[]) => ({
  id: c.id,
  name: c.name,
  characterClass: c.characterClass,
  level: c.level,
  xp: c.xp,
  stats: c.stats,
  position: position(c),
  knownSpells: [...c.knownSpells],
  inventory: inventory.map(({ slot, itemId, quantity, data }) => ({ slot, itemId, quantity, data })),
});

function parseId(raw: unknown): string {
  const id = idParam.safeParse(raw);
  if (!id.success) throw badRequest('character id must be a uuid', [{ path: 'id', message: id.error.issues[0]!.message }]);
  // Lower-cased: the database matches a uuid in any case, but `isLive` looks the string up in presence.
  return id.data.toLowerCase();
}

/** A live character of the caller: 404 if unknown or deleted (for anyone), 403 if someone else's. */
async function ownedCharacter(em: EntityManager, id: string, userId: string): Promise<ICharacter> {
  const character = await em.findOne(Character, { id });
  if (!character || character.deletedAt) throw notFound('no such character');
  if (character.user.id !== userId) throw forbidden('not your character');
  return character;
}

export function charactersRouter(em: EntityManager, accounts: AccountService, opts: CharactersRouterOptions = {}): Router {
  const r = Router();
  const authed = requireAuth(accounts);
  const content = loadContent();
  const isLive = opts.isLive ?? (async () => false);
  const maxPerUser = opts.maxPerUser ?? MAX_CHARACTERS_PER_USER;
  const classIds = content.classes.map((c) => c.id);

  const createBody = z
    .object({
      name: characterName,
      characterClass: z
        .string()
        .max(64)
        .refine((id) => content.classById.has(id), `unknown class; one of ${classIds.join(', ')}`),
      worldId: z.guid().optional(),
    })
    .strict();

  r.post('/characters', authed, async (req, res) => {
    const body = createBody.safeParse(req.body);
    if (!body.success) throw fromZod(body.error);
    const { name, characterClass, worldId } = body.data;
    const userId = auth(res).user.id;
    const db = em.fork();

    const world = worldId
      ? await db.findOne(World, { id: worldId })
      : (await db.find(World, {}, { orderBy: { createdAt: 'asc', id: 'asc' }, limit: 1 }))[0];
    if (!world) {
      throw badRequest('request body is invalid', [{ path: 'worldId', message: worldId ? 'unknown world' : 'no world exists yet' }]);
    }
    const { skills, inventory, ...initial } = newCharacterFor(content.classById.get(characterClass)!, content, {
      name,
      spawn: defaultSpawn(world.seed),
    });

    let character: ICharacter;
    try {
      character = await db.transactional(async (tx) => {
        // Serialise per user so concurrent creates cannot overshoot the limit, then per (world, name)
        // so "Bob" and "bob" cannot both pass the case-insensitive check below. Always in this order
        // and one name per transaction, so two creates can never wait on each other in a cycle.
        await tx.execute('select pg_advisory_xact_lock(hashtext(?))', [`leyline.characters.user:${userId}`]);
        await tx.execute(`select pg_advisory_xact_lock(hashtext('leyline.characters.name:' || ? || ':' || lower(?)))`, [world.id, name]);

        const live = await tx.count(Character, { user: userId, deletedAt: null });
        if (live >= maxPerUser) {
          throw new ApiError(409, 'CHARACTER_LIMIT', `at most ${maxPerUser} characters per player; delete one first`, { max: maxPerUser });
        }
        const [taken] = await tx.execute<{ id: string }[]>(
          'select id from characters where world_id = ? and lower(name) = lower(?) and deleted_at is null limit 1',
          [world.id, name],
        );
        if (taken) throw nameTaken(name);

        const created = tx.create(Character, { ...initial, user: tx.getReference(User, userId), world });
        skills.forEach((skill) => tx.create(CharacterSkill, { ...skill, character: created }));
        inventory.forEach((stack) => tx.create(InventoryItem, { ...stack, character: created }));
        return created;
      });
    } catch (err) {
      // Backstop for writers that skip the lock above (the seeder): the partial unique index on live names.
      if (err instanceof UniqueConstraintViolationException && err.message.includes('characters_world_id_name_unique')) {
        throw nameTaken(name);
      }
      throw err;
    }
    res.status(201).location(`${req.baseUrl}/characters/${character.id}`).json(detail(character, inventory));
  });

  r.get('/characters', authed, async (_req, res) => {
    const characters = await em
      .fork()
      .find(Character, { user: auth(res).user.id, deletedAt: null }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    res.json(characters.map(summary));
  });

  r.get('/characters/:id', authed, async (req, res) => {
    const id = parseId(req.params.id);
    const db = em.fork();
    const character = await ownedCharacter(db, id, auth(res).user.id);
    const inventory = await db.find(InventoryItem, { character: character.id }, { orderBy: { slot: 'asc' } });
    res.json(detail(character, inventory));
  });

  // The character's standing with NPCs and its latest talks with each (issue 10): written by the narration job.
  r.get('/characters/:id/relationships', authed, async (req, res) => {
    const id = parseId(req.params.id);
    const db = em.fork();
    await ownedCharacter(db, id, auth(res).user.id);
    res.json(await listRelationships(db, id));
  });

  r.delete('/characters/:id', authed, async (req, res) => {
    const id = parseId(req.params.id);
    const db = em.fork();
    await ownedCharacter(db, id, auth(res).user.id);
    if (await isLive(id)) throw new ApiError(409, 'CHARACTER_IN_PLAY', 'the character is in play; leave the world first');
    // Soft delete, conditional so a concurrent delete yields one 204 and one 404. The row (and its
    // inventory, skills, history) stays for audit; only the name is released (partial unique index).
    const now = new Date();
    const changed = await db.nativeUpdate(Character, { id, deletedAt: null }, { deletedAt: now, updatedAt: now });
    if (changed === 0) throw notFound('no such character');
    res.status(204).end();
  });

  return r;
}

function nameTaken(name: string): ApiError {
  return new ApiError(409, 'NAME_TAKEN', `a character named "${name}" already exists in this world`);
}
