/** Database fixtures written through the entities, as the API would. */
import { randomUUID } from 'node:crypto';
import { Character, User, World } from '../../src/db/entities/index.js';
import type { Orm } from '../../src/db/orm.js';

/** A fresh user with one mage character in `worldId`; returns the character id. */
export async function createCharacter(orm: Orm, worldId: string, name: string): Promise<string> {
  const em = orm.em.fork();
  const tag = randomUUID().slice(0, 8);
  const user = em.create(User, { username: `u_${tag}`, email: `${tag}@example.com`, passwordHash: 'x' });
  const c = em.create(Character, {
    user,
    world: em.getReference(World, worldId),
    name,
    characterClass: 'mage',
    stats: { intellect: 12 },
    x: 8.5, y: 80, z: 8.5,
    hp: 80, maxHp: 80, mana: 120, maxMana: 120,
    knownSpells: ['arcane_bolt'],
  });
  await em.flush();
  return c.id;
}
