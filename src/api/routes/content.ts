/**
 * Public, read-only catalogues of the game's static content (docs/protocol.md:
 * `GET /api/content/*`). They come from src/content, not the database, so a
 * menu can render before any table is seeded; only recipe ids need the DB.
 */
import { Router, type Response } from 'express';
import type { EntityManager } from '@mikro-orm/postgresql';
import { loadContent } from '../../content/index.js';
import { CraftingRecipe } from '../../db/entities/index.js';

// Content changes only with a deploy: let clients and proxies reuse it briefly (Express adds an ETag).
const CACHE_CONTROL = 'public, max-age=300';

function sendCatalogue(res: Response, body: unknown): void {
  res.set('cache-control', CACHE_CONTROL).json(body);
}

export function contentRouter(em: EntityManager): Router {
  const r = Router();
  const content = loadContent();

  // Shapes are built once: the content is immutable for the life of the process.
  const classes = content.classes.map((c) => ({
    id: c.id,
    name: c.name,
    baseStats: { ...c.baseStats },
    startingSpells: [...c.startingSpells],
  }));
  const spells = content.spells.map((s) => ({
    id: s.id,
    name: s.name,
    school: s.school,
    element: s.element,
    manaCost: s.manaCost,
    cooldownMs: s.cooldownMs,
    range: s.range,
    power: s.power,
    ritual: s.ritual,
    prerequisites: [...s.prerequisites],
    tags: [...s.tags],
    // Beyond docs/protocol.md's list: what a client needs to aim and show a spell.
    area: s.area,
    castTimeMs: s.castTimeMs,
    dark: s.dark,
    effect: s.effect,
    target: s.target,
    ...(s.ritualKind ? { ritualKind: s.ritualKind } : {}),
    ...(s.durationMs !== undefined ? { durationMs: s.durationMs } : {}),
    description: s.description,
  }));
  const items = content.items.map((i) => ({
    id: i.id,
    name: i.name,
    kind: i.kind,
    maxStack: i.maxStack,
    description: i.description,
    props: { ...i.props },
  }));

  r.get('/content/classes', (_req, res) => sendCatalogue(res, classes));
  r.get('/content/spells', (_req, res) => sendCatalogue(res, spells));
  r.get('/content/items', (_req, res) => sendCatalogue(res, items));

  r.get('/content/recipes', async (_req, res) => {
    // `key` is the content name; `id` is the row's stable uuid (seedContent never replaces it), the handle
    // a client may send back. Read per request: seeding upserts rows at boot, possibly on another process.
    const rows = await em.fork().find(CraftingRecipe, {}, { fields: ['id', 'key'] });
    const idByKey = new Map(rows.map((row) => [row.key, row.id]));
    sendCatalogue(
      res,
      content.recipes.map((rc) => ({
        id: idByKey.get(rc.key) ?? null,
        key: rc.key,
        name: rc.name,
        ingredients: rc.ingredients.map((i) => ({ itemId: i.itemId, quantity: i.quantity })),
        resultItemId: rc.resultItemId,
        resultQuantity: rc.resultQuantity,
        station: rc.station,
      })),
    );
  });

  return r;
}
