import { Router } from 'express';
import type { EntityManager } from '@mikro-orm/postgresql';
import { World } from '../../db/entities/index.js';

export function worldsRouter(em: EntityManager): Router {
  const r = Router();
  r.get('/worlds', async (_req, res) => {
    const worlds = await em.fork().find(World, {}, { orderBy: { createdAt: 'asc' } });
    res.json(worlds.map((w) => ({ id: w.id, name: w.name, seed: w.seed, worldType: w.worldType })));
  });
  return r;
}
