import { Migration } from '@mikro-orm/migrations';

/**
 * Spell analytics as a materialized view over magic_events (all partitions):
 * casts, successes, success rate and mean effect per spell. Refreshed by the
 * maintenance job (REFRESH … CONCURRENTLY needs the unique index).
 */
export class Migration20261122010000_spell_analytics extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create materialized view "spell_analytics" as
      select spell_id,
             count(*)::bigint as casts,
             count(*) filter (where success)::bigint as successes,
             coalesce(avg(effect) filter (where success), 0)::double precision as mean_effect,
             coalesce(sum(mana_spent), 0)::double precision as mana_spent,
             max(created_at) as last_cast_at
        from magic_events
       group by spell_id
      with no data;`);
    this.addSql(`create unique index "spell_analytics_spell_id_unique" on "spell_analytics" ("spell_id");`);
    // Populated once here so CONCURRENTLY works from the first refresh on.
    this.addSql(`refresh materialized view "spell_analytics";`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop materialized view if exists "spell_analytics";`);
  }
}
