import { Migration20261122000000_initial } from './Migration20261122000000_initial.js';
import { Migration20261122010000_spell_analytics } from './Migration20261122010000_spell_analytics.js';
import { Migration20261130000000_character_cooldowns } from './Migration20261130000000_character_cooldowns.js';
import { Migration20261130010000_loot_grants } from './Migration20261130010000_loot_grants.js';
import { Migration20261130060000_login_addresses } from './Migration20261130060000_login_addresses.js';
import { Migration20261130090000_character_handoffs } from './Migration20261130090000_character_handoffs.js';
import { Migration20261130100000_llm_usage } from './Migration20261130100000_llm_usage.js';
import { Migration20261130110000_relationships_history } from './Migration20261130110000_relationships_history.js';

/** Checked-in migrations, in order. New ones are appended (see `npm run db:migration:create`). */
export const migrationsList = [
  { name: 'Migration20261122000000_initial', class: Migration20261122000000_initial },
  { name: 'Migration20261122010000_spell_analytics', class: Migration20261122010000_spell_analytics },
  { name: 'Migration20261130000000_character_cooldowns', class: Migration20261130000000_character_cooldowns },
  { name: 'Migration20261130010000_loot_grants', class: Migration20261130010000_loot_grants },
  { name: 'Migration20261130060000_login_addresses', class: Migration20261130060000_login_addresses },
  { name: 'Migration20261130090000_character_handoffs', class: Migration20261130090000_character_handoffs },
  { name: 'Migration20261130100000_llm_usage', class: Migration20261130100000_llm_usage },
  { name: 'Migration20261130110000_relationships_history', class: Migration20261130110000_relationships_history },
] as { name: string; class: new (...args: any[]) => any }[];
