/**
 * The seed schema. The bulk is what MikroORM derives from src/db/entities
 * (`orm.schema.getCreateSchemaSQL()`); hand-written on top: magic_events as a
 * monthly range-partitioned table, the function that creates its partitions, and
 * the first two partitions. GIN indexes and CHECK constraints are declared on the
 * entities, so the schema diff of a migrated database against the entities is empty
 * (test/db.migrations.test.ts checks that).
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261122000000_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "crafting_recipes" ("id" uuid not null, "key" varchar(64) not null, "name" varchar(128) not null, "ingredients" jsonb not null, "result_item_id" varchar(64) not null, "result_quantity" int not null default 1, "station" varchar(32) null, primary key ("id"));`);
    this.addSql(`alter table "crafting_recipes" add constraint "crafting_recipes_key_unique" unique ("key");`);
    this.addSql(`alter table "crafting_recipes" add constraint "crafting_recipes_result_quantity_check" check (result_quantity >= 1);`);

    this.addSql(`create table "spells" ("id" varchar(64) not null, "name" varchar(128) not null, "school" varchar(32) not null, "element" varchar(32) not null, "mana_cost" double precision not null, "cooldown_ms" int not null, "range" double precision not null, "area" double precision not null default 0, "power" double precision not null, "cast_time_ms" int not null default 0, "ritual" boolean not null default false, "dark" boolean not null default false, "tags" text[] not null default '{}', "prerequisites" text[] not null default '{}', "data" jsonb not null default '{}', primary key ("id"));`);
    this.addSql(`create index "spells_school_index" on "spells" ("school");`);
    this.addSql(`alter table "spells" add constraint "spells_values_check" check (mana_cost >= '0'::float8 and cooldown_ms >= 0 and cast_time_ms >= 0 and range >= '0'::float8 and area >= '0'::float8);`);

    this.addSql(`create table "users" ("id" uuid not null, "username" varchar(32) not null, "email" varchar(254) not null, "password_hash" varchar(100) not null, "role" varchar(16) not null default 'player', "profile" jsonb not null default '{}', "failed_login_count" int not null default 0, "locked_until" timestamptz null, "last_login_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "users" add constraint "users_username_unique" unique ("username");`);
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);
    this.addSql(`create index "users_profile_gin" on "users" using gin ("profile");`);

    this.addSql(`create table "sessions" ("id" uuid not null, "user_id" uuid not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "revoked_at" timestamptz null, "ip" varchar(64) null, "user_agent" varchar(256) null, primary key ("id"));`);
    this.addSql(`create index "sessions_user_id_index" on "sessions" ("user_id");`);

    this.addSql(`create table "achievements" ("id" uuid not null, "user_id" uuid not null, "key" varchar(64) not null, "unlocked_at" timestamptz not null, "data" jsonb not null default '{}', primary key ("id"));`);
    this.addSql(`alter table "achievements" add constraint "achievements_user_id_key_unique" unique ("user_id", "key");`);

    this.addSql(`create table "worlds" ("id" uuid not null, "name" varchar(64) not null, "seed" int not null, "world_type" varchar(32) not null default 'overworld', "settings" jsonb not null default '{}', "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "worlds" add constraint "worlds_name_unique" unique ("name");`);

    this.addSql(`create table "stories" ("id" uuid not null, "world_id" uuid not null, "title" varchar(128) not null, "summary" text not null default '', "state" jsonb not null default '{}', "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "stories_world_id_index" on "stories" ("world_id");`);

    this.addSql(`create table "story_branches" ("id" uuid not null, "story_id" uuid not null, "parent_branch_id" uuid null, "title" varchar(128) not null, "content" text not null, "conditions" jsonb not null default '{}', "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "story_branches_story_id_index" on "story_branches" ("story_id");`);
    this.addSql(`create index "story_branches_parent_branch_id_index" on "story_branches" ("parent_branch_id");`);

    this.addSql(`create table "quests" ("id" uuid not null, "world_id" uuid null, "key" varchar(64) not null, "title" varchar(128) not null, "description" text not null default '', "level" int not null default 1, "rewards" jsonb not null default '{}', "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "quests_world_id_index" on "quests" ("world_id");`);
    this.addSql(`alter table "quests" add constraint "quests_key_unique" unique ("key");`);

    this.addSql(`create table "quest_objectives" ("id" uuid not null, "quest_id" uuid not null, "ordinal" int not null, "kind" varchar(32) not null, "target" varchar(128) not null, "required_count" int not null default 1, primary key ("id"));`);
    this.addSql(`alter table "quest_objectives" add constraint "quest_objectives_quest_id_ordinal_unique" unique ("quest_id", "ordinal");`);
    this.addSql(`alter table "quest_objectives" add constraint "quest_objectives_required_count_check" check (required_count >= 1);`);

    this.addSql(`create table "characters" ("id" uuid not null, "user_id" uuid not null, "world_id" uuid not null, "name" varchar(32) not null, "character_class" varchar(32) not null, "level" int not null default 1, "xp" bigint not null default '0', "stats" jsonb not null default '{}', "x" double precision not null default 0, "y" double precision not null default 0, "z" double precision not null default 0, "yaw" double precision not null default 0, "hp" double precision not null, "max_hp" double precision not null, "mana" double precision not null, "max_mana" double precision not null, "corruption" double precision not null default 0, "known_spells" text[] not null default '{}', "created_at" timestamptz not null, "updated_at" timestamptz not null, "deleted_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "characters_user_id_index" on "characters" ("user_id");`);
    this.addSql(`create index "characters_world_id_index" on "characters" ("world_id");`);
    this.addSql(`create index "characters_stats_gin" on "characters" using gin ("stats");`);
    this.addSql(`create unique index "characters_world_id_name_unique" on "characters" ("world_id", "name") where deleted_at is null;`);
    this.addSql(`alter table "characters" add constraint "characters_level_check" check (level >= 1);`);
    this.addSql(`alter table "characters" add constraint "characters_xp_check" check (xp >= 0);`);
    this.addSql(`alter table "characters" add constraint "characters_hp_check" check (hp >= '0'::float8 and hp <= max_hp);`);
    this.addSql(`alter table "characters" add constraint "characters_mana_check" check (mana >= '0'::float8 and mana <= max_mana);`);
    this.addSql(`alter table "characters" add constraint "characters_corruption_check" check (corruption >= '0'::float8);`);

    this.addSql(`create table "quest_progress" ("id" uuid not null, "character_id" uuid not null, "quest_id" uuid not null, "status" text not null default 'active', "progress" jsonb not null default '{}', "started_at" timestamptz not null, "completed_at" timestamptz null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "quest_progress_quest_id_index" on "quest_progress" ("quest_id");`);
    this.addSql(`alter table "quest_progress" add constraint "quest_progress_character_id_quest_id_unique" unique ("character_id", "quest_id");`);
    this.addSql(`alter table "quest_progress" add constraint "quest_progress_status_check" check ("status" in ('active', 'completed', 'failed', 'abandoned'));`);

    this.addSql(`create table "player_choices" ("id" uuid not null, "character_id" uuid not null, "story_id" uuid not null, "branch_id" uuid not null, "choice" text not null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "player_choices_story_id_index" on "player_choices" ("story_id");`);
    this.addSql(`create index "player_choices_branch_id_index" on "player_choices" ("branch_id");`);
    this.addSql(`create index "player_choices_character_id_story_id_created_at_index" on "player_choices" ("character_id", "story_id", "created_at");`);

    // Hand-written: range-partitioned by month (see MagicEvent.ts).
    this.addSql(`create table "magic_events" ("id" bigint generated by default as identity not null, "created_at" timestamptz not null, "world_id" uuid not null, "character_id" uuid null, "spell_id" varchar(64) not null, "success" boolean not null, "code" varchar(32) null, "effect" double precision not null default 0, "mana_spent" double precision not null default 0, "rx" int not null, "rz" int not null, "data" jsonb not null default '{}', primary key ("id", "created_at")) partition by range ("created_at");`);
    this.addSql(`create index "magic_events_world_id_created_at_index" on "magic_events" ("world_id", "created_at");`);
    this.addSql(`create index "magic_events_character_id_created_at_index" on "magic_events" ("character_id", "created_at");`);
    this.addSql(`create index "magic_events_spell_id_created_at_index" on "magic_events" ("spell_id", "created_at");`);

    this.addSql(`create table "inventory" ("id" uuid not null, "character_id" uuid not null, "slot" int not null, "item_id" varchar(64) not null, "quantity" int not null default 1, "max_stack" int not null default 64, "data" jsonb not null default '{}', "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "inventory" add constraint "inventory_character_id_slot_unique" unique ("character_id", "slot");`);
    this.addSql(`alter table "inventory" add constraint "inventory_slot_check" check (slot >= 0);`);
    this.addSql(`alter table "inventory" add constraint "inventory_quantity_check" check (quantity >= 1 and quantity <= max_stack);`);

    this.addSql(`create table "character_skills" ("id" uuid not null, "character_id" uuid not null, "skill_id" varchar(64) not null, "level" int not null default 1, "mastery" double precision not null default 1, "uses" int not null default 0, "last_used_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "character_skills" add constraint "character_skills_character_id_skill_id_unique" unique ("character_id", "skill_id");`);
    this.addSql(`alter table "character_skills" add constraint "character_skills_values_check" check (level >= 1 and mastery >= '0'::float8 and uses >= 0);`);

    this.addSql(`create table "character_relationships" ("id" uuid not null, "character_id" uuid not null, "other_character_id" uuid null, "npc_key" varchar(64) null, "kind" varchar(32) not null default 'reputation', "value" int not null default 0, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "character_relationships_other_character_id_index" on "character_relationships" ("other_character_id");`);
    this.addSql(`alter table "character_relationships" add constraint "character_relationships_character_other_unique" unique ("character_id", "other_character_id", "kind");`);
    this.addSql(`alter table "character_relationships" add constraint "character_relationships_character_npc_unique" unique ("character_id", "npc_key", "kind");`);
    this.addSql(`alter table "character_relationships" add constraint "character_relationships_value_check" check (value >= -100 and value <= 100);`);
    this.addSql(`alter table "character_relationships" add constraint "character_relationships_target_check" check (num_nonnulls(other_character_id, npc_key) = 1);`);

    this.addSql(`create table "ai_agents" ("id" uuid not null, "world_id" uuid not null, "name" varchar(64) not null, "kind" varchar(32) not null, "personality" jsonb not null default '{}', "state" jsonb not null default '{}', "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "ai_agents" add constraint "ai_agents_world_id_name_unique" unique ("world_id", "name");`);

    this.addSql(`create table "agent_memory" ("id" uuid not null, "agent_id" uuid not null, "kind" varchar(32) not null, "content" text not null, "importance" double precision not null default 0.5, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "agent_memory_agent_id_created_at_index" on "agent_memory" ("agent_id", "created_at");`);
    this.addSql(`alter table "agent_memory" add constraint "agent_memory_importance_check" check (importance >= '0'::float8 and importance <= '1'::float8);`);

    this.addSql(`create table "world_chunks" ("id" uuid not null, "world_id" uuid not null, "chunk_x" int not null, "chunk_y" int not null, "chunk_z" int not null, "version" int not null default 0, "data" jsonb not null default '{}', "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "world_chunks_data_gin" on "world_chunks" using gin ("data");`);
    this.addSql(`alter table "world_chunks" add constraint "world_chunks_world_id_chunk_unique" unique ("world_id", "chunk_x", "chunk_y", "chunk_z");`);

    this.addSql(`create table "world_events" ("id" uuid not null, "world_id" uuid not null, "rx" int null, "rz" int null, "kind" varchar(32) not null, "status" text not null default 'scheduled', "starts_at" timestamptz not null, "ends_at" timestamptz null, "data" jsonb not null default '{}', "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "world_events_world_id_status_starts_at_index" on "world_events" ("world_id", "status", "starts_at");`);
    this.addSql(`alter table "world_events" add constraint "world_events_region_check" check ((rx is null) = (rz is null));`);
    this.addSql(`alter table "world_events" add constraint "world_events_time_check" check (ends_at is null or ends_at >= starts_at);`);
    this.addSql(`alter table "world_events" add constraint "world_events_status_check" check ("status" in ('scheduled', 'active', 'ended', 'cancelled'));`);

    this.addSql(`create table "world_evolution_log" ("id" uuid not null, "world_id" uuid not null, "kind" varchar(32) not null, "description" text not null, "data" jsonb not null default '{}', "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "world_evolution_log_world_id_created_at_index" on "world_evolution_log" ("world_id", "created_at");`);

    this.addSql(`alter table "sessions" add constraint "sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);

    this.addSql(`alter table "achievements" add constraint "achievements_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);

    this.addSql(`alter table "stories" add constraint "stories_world_id_foreign" foreign key ("world_id") references "worlds" ("id") on delete cascade;`);

    this.addSql(`alter table "story_branches" add constraint "story_branches_story_id_foreign" foreign key ("story_id") references "stories" ("id") on delete cascade;`);
    this.addSql(`alter table "story_branches" add constraint "story_branches_parent_branch_id_foreign" foreign key ("parent_branch_id") references "story_branches" ("id") on delete cascade;`);

    this.addSql(`alter table "quests" add constraint "quests_world_id_foreign" foreign key ("world_id") references "worlds" ("id") on delete cascade;`);

    this.addSql(`alter table "quest_objectives" add constraint "quest_objectives_quest_id_foreign" foreign key ("quest_id") references "quests" ("id") on delete cascade;`);

    this.addSql(`alter table "characters" add constraint "characters_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);
    this.addSql(`alter table "characters" add constraint "characters_world_id_foreign" foreign key ("world_id") references "worlds" ("id") on delete cascade;`);

    this.addSql(`alter table "quest_progress" add constraint "quest_progress_character_id_foreign" foreign key ("character_id") references "characters" ("id") on delete cascade;`);
    this.addSql(`alter table "quest_progress" add constraint "quest_progress_quest_id_foreign" foreign key ("quest_id") references "quests" ("id") on delete cascade;`);

    this.addSql(`alter table "player_choices" add constraint "player_choices_character_id_foreign" foreign key ("character_id") references "characters" ("id") on delete cascade;`);
    this.addSql(`alter table "player_choices" add constraint "player_choices_story_id_foreign" foreign key ("story_id") references "stories" ("id") on delete cascade;`);
    this.addSql(`alter table "player_choices" add constraint "player_choices_branch_id_foreign" foreign key ("branch_id") references "story_branches" ("id") on delete cascade;`);

    this.addSql(`alter table "magic_events" add constraint "magic_events_world_id_foreign" foreign key ("world_id") references "worlds" ("id") on delete cascade;`);
    this.addSql(`alter table "magic_events" add constraint "magic_events_character_id_foreign" foreign key ("character_id") references "characters" ("id") on delete set null;`);

    this.addSql(`alter table "inventory" add constraint "inventory_character_id_foreign" foreign key ("character_id") references "characters" ("id") on delete cascade;`);

    this.addSql(`alter table "character_skills" add constraint "character_skills_character_id_foreign" foreign key ("character_id") references "characters" ("id") on delete cascade;`);

    this.addSql(`alter table "character_relationships" add constraint "character_relationships_character_id_foreign" foreign key ("character_id") references "characters" ("id") on delete cascade;`);
    this.addSql(`alter table "character_relationships" add constraint "character_relationships_other_character_id_foreign" foreign key ("other_character_id") references "characters" ("id") on delete cascade;`);

    this.addSql(`alter table "ai_agents" add constraint "ai_agents_world_id_foreign" foreign key ("world_id") references "worlds" ("id") on delete cascade;`);

    this.addSql(`alter table "agent_memory" add constraint "agent_memory_agent_id_foreign" foreign key ("agent_id") references "ai_agents" ("id") on delete cascade;`);

    this.addSql(`alter table "world_chunks" add constraint "world_chunks_world_id_foreign" foreign key ("world_id") references "worlds" ("id") on delete cascade;`);

    this.addSql(`alter table "world_events" add constraint "world_events_world_id_foreign" foreign key ("world_id") references "worlds" ("id") on delete cascade;`);

    this.addSql(`alter table "world_evolution_log" add constraint "world_evolution_log_world_id_foreign" foreign key ("world_id") references "worlds" ("id") on delete cascade;`);

    // Hand-written: monthly partitions of magic_events, named magic_events_yYYYYmMM, in
    // the parent's schema. Bounds are written as UTC midnights (explicit offset, ISO
    // dates), so neither the session TimeZone nor DateStyle can shift them. The advisory
    // lock serialises concurrent callers (several processes at boot), whose check-then-create
    // would otherwise race. Returns how many partitions it created.
    this.addSql(`create or replace function ensure_magic_event_partitions(from_month date, months int) returns int
language plpgsql as $$
declare
  parent_schema text;
  month_start date := date_trunc('month', from_month)::date;
  part text;
  created int := 0;
begin
  if months < 1 then
    raise exception 'ensure_magic_event_partitions: months must be >= 1, got %', months;
  end if;
  perform pg_advisory_xact_lock(hashtext('leyline.ensure_magic_event_partitions'));
  select n.nspname into parent_schema
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where c.oid = 'magic_events'::regclass;
  for i in 1..months loop
    part := format('magic_events_y%sm%s', to_char(month_start, 'YYYY'), to_char(month_start, 'MM'));
    if to_regclass(format('%I.%I', parent_schema, part)) is null then
      execute format('create table %I.%I partition of %I.magic_events for values from (%L) to (%L)',
        parent_schema, part, parent_schema,
        to_char(month_start, 'YYYY-MM-DD') || ' 00:00:00+00',
        to_char(month_start + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00');
      created := created + 1;
    end if;
    month_start := (month_start + interval '1 month')::date;
  end loop;
  return created;
end
$$;`);
    this.addSql(`select ensure_magic_event_partitions((now() at time zone 'utc')::date, 2);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop function if exists ensure_magic_event_partitions(date, int);`);
    // Children before parents; CASCADE only removes the FKs between these tables. Dropping
    // magic_events drops its partitions.
    this.addSql(`drop table if exists "world_evolution_log" cascade;`);
    this.addSql(`drop table if exists "world_events" cascade;`);
    this.addSql(`drop table if exists "world_chunks" cascade;`);
    this.addSql(`drop table if exists "agent_memory" cascade;`);
    this.addSql(`drop table if exists "ai_agents" cascade;`);
    this.addSql(`drop table if exists "character_relationships" cascade;`);
    this.addSql(`drop table if exists "character_skills" cascade;`);
    this.addSql(`drop table if exists "inventory" cascade;`);
    this.addSql(`drop table if exists "magic_events" cascade;`);
    this.addSql(`drop table if exists "player_choices" cascade;`);
    this.addSql(`drop table if exists "quest_progress" cascade;`);
    this.addSql(`drop table if exists "characters" cascade;`);
    this.addSql(`drop table if exists "quest_objectives" cascade;`);
    this.addSql(`drop table if exists "quests" cascade;`);
    this.addSql(`drop table if exists "story_branches" cascade;`);
    this.addSql(`drop table if exists "stories" cascade;`);
    this.addSql(`drop table if exists "worlds" cascade;`);
    this.addSql(`drop table if exists "achievements" cascade;`);
    this.addSql(`drop table if exists "sessions" cascade;`);
    this.addSql(`drop table if exists "users" cascade;`);
    this.addSql(`drop table if exists "spells" cascade;`);
    this.addSql(`drop table if exists "crafting_recipes" cascade;`);
  }
}
