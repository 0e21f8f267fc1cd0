import { Migration } from '@mikro-orm/migrations';

/**
 * Lockout per (account, address) instead of per account: `login_addresses`
 * holds each address's failures in a row, its lock and its last success.
 * `users` keeps an account-wide count of attempts from unfamiliar addresses
 * and the time until which such addresses must wait (the slow-down). The
 * old account-wide lock (`locked_until`) is dropped with its meaning.
 */
export class Migration20261130060000_login_addresses extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "login_addresses" ("user_id" uuid not null, "address" varchar(64) not null, "failed_count" int not null default 0, "locked_until" timestamptz null, "last_failure_at" timestamptz null, "last_success_at" timestamptz null, primary key ("user_id", "address"));`);
    this.addSql(`alter table "login_addresses" add constraint "login_addresses_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);
    this.addSql(`alter table "users" drop column "locked_until";`);
    this.addSql(`alter table "users" add "failed_login_at" timestamptz null, add "login_slow_until" timestamptz null;`);
    this.addSql(`update "users" set "failed_login_count" = 0;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "users" drop column "failed_login_at", drop column "login_slow_until";`);
    this.addSql(`alter table "users" add "locked_until" timestamptz null;`);
    this.addSql(`drop table if exists "login_addresses" cascade;`);
  }
}
