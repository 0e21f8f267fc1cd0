import { Migration } from '@mikro-orm/migrations';

/**
 * Cooldowns (spellId → ready-at epoch ms) and the respawn time of a dead
 * character persist with it: playing again neither resets cooldowns nor
 * revives on the spot.
 */
export class Migration20261130000000_character_cooldowns extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "characters" add column "cooldowns" jsonb not null default '{}', add column "respawn_at" double precision null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "characters" drop column "cooldowns", drop column "respawn_at";`);
  }
}
