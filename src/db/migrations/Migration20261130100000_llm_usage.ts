import { Migration } from '@mikro-orm/migrations';

/**
 * llm_usage: the AI game master's token use per account and UTC day (see
 * src/db/entities/LlmUsage.ts). The daily budget reads one row; each model
 * call adds to it with `insert … on conflict do update set x = x + excluded.x`.
 */
export class Migration20261130100000_llm_usage extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "llm_usage" ("user_id" uuid not null, "day" date not null, "prompt_tokens" int not null default 0, "completion_tokens" int not null default 0, "requests" int not null default 0, primary key ("user_id", "day"));`);
    this.addSql(`alter table "llm_usage" add constraint "llm_usage_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "llm_usage" cascade;`);
  }
}
