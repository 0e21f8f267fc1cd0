import { Router } from 'express';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AccountService } from '../../auth/accounts.js';
import { requireAuth, requireRole } from '../middleware.js';

type Row = { spell_id: string; casts: string; successes: string; mean_effect: number; mana_spent: number; last_cast_at: Date | null };

/** Admin analytics, served from the materialized view the maintenance job refreshes. */
export function analyticsRouter(em: EntityManager, accounts: AccountService): Router {
  const r = Router();
  r.get('/analytics/spells', requireAuth(accounts), requireRole('admin'), async (_req, res) => {
    const rows = await em.fork().getConnection().execute<Row[]>(
      'select spell_id, casts, successes, mean_effect, mana_spent, last_cast_at from spell_analytics order by casts desc, spell_id',
    );
    res.json(
      rows.map((row) => {
        const casts = Number(row.casts);
        const successes = Number(row.successes);
        return {
          spellId: row.spell_id,
          casts,
          successes,
          successRate: casts ? successes / casts : 0,
          meanEffect: row.mean_effect,
          manaSpent: row.mana_spent,
          lastCastAt: row.last_cast_at,
        };
      }),
    );
  });
  return r;
}
