import { Migration } from '@mikro-orm/migrations';

/**
 * The game master's NPC dialogue (issue 10): `npc_interactions` is the history
 * of a character's talks with an NPC (see src/db/entities/NpcInteraction.ts;
 * keyed by narration id, which makes the narration job's write idempotent),
 * and `character_relationships.npc_kind` names the kind of the NPC a row is about.
 */
export class Migration20261130110000_relationships_history extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "npc_interactions" ("narration_id" uuid not null, "character_id" uuid not null, "npc_key" varchar(64) not null, "npc_kind" varchar(32) not null, "said" varchar(500) not null, "reply" varchar(300) not null, "delta" int not null, "value" int not null, "created_at" timestamptz not null, primary key ("narration_id"));`);
    this.addSql(`create index "npc_interactions_character_id_npc_key_created_at_index" on "npc_interactions" ("character_id", "npc_key", "created_at");`);
    this.addSql(`alter table "npc_interactions" add constraint "npc_interactions_character_id_foreign" foreign key ("character_id") references "characters" ("id") on delete cascade;`);
    this.addSql(`alter table "character_relationships" add "npc_kind" varchar(32) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "character_relationships" drop column "npc_kind";`);
    this.addSql(`drop table if exists "npc_interactions" cascade;`);
  }
}
