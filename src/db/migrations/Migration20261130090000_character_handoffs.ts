import { Migration } from '@mikro-orm/migrations';

/**
 * A character's handoff count: a handoff passes the live character to the next
 * room without a database round trip, and saves carry the count, so a save from
 * the room it left (still flushing) cannot overwrite what the new room saved.
 */
export class Migration20261130090000_character_handoffs extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "characters" add column "handoffs" bigint not null default '0';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "characters" drop column "handoffs";`);
  }
}
