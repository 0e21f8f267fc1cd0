import { Migration } from '@mikro-orm/migrations';

/**
 * loot_grants: the idempotency keys of loot write-throughs (see src/db/entities/LootGrant.ts).
 * A grant id is inserted in the same transaction as the inventory change, so replaying a
 * grant whose commit acknowledgement was lost changes nothing. Old rows can be pruned by
 * maintenance (created_at index); they are only needed while a retry can still arrive.
 */
export class Migration20261130010000_loot_grants extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "loot_grants" ("grant_id" uuid not null, "character_id" uuid not null, "overflow" jsonb not null default '[]', "created_at" timestamptz not null, primary key ("grant_id"));`);
    this.addSql(`create index "loot_grants_created_at_index" on "loot_grants" ("created_at");`);
    this.addSql(`create index "loot_grants_character_id_index" on "loot_grants" ("character_id");`);
    this.addSql(`alter table "loot_grants" add constraint "loot_grants_character_id_foreign" foreign key ("character_id") references "characters" ("id") on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "loot_grants" cascade;`);
  }
}
