import { sql } from "drizzle-orm";
import { queryRows, type Executor } from "../../db/client.ts";
import { manageableBy, type Member } from "../access/linked-company-access.ts";
import { toCsv } from "../csv.ts";
import { likePrefix } from "../../db/like-prefix.ts";
import { decodeNameCursor, encodeNameCursor } from "../keyset-cursor.ts";

export interface ManagedCompanyRow {
  id: string;
  name: string;
  parentName: string;
  createdAt: Date;
  userCount: number;
  lastLoginAt: Date | null;
  canManage: boolean;
}

interface Row {
  id: string;
  name: string;
  name_sort: string;
  parent_name: string;
  created_at: Date | string;
  user_count: number | string;
  last_login_at: Date | string | null;
  can_manage: boolean;
}

const toDate = (value: Date | string) => (value instanceof Date ? value : new Date(value));

/** Names compared byte by byte, as companies_parent_name_idx holds them: pages come in index order. */
const nameKey = sql`lower(c.name) collate "C"`;

/**
 * The parent's managed companies page: every linked company, whether this member may manage it
 * (the switch icon), native user count and last sign-in (to the minute: decision 0015). Keyset
 * pagination on (lower(name), id).
 */
export async function listManagedCompanies(db: Executor, member: Member, options: { q?: string | undefined; after?: string | undefined; limit: number | null }) {
  const conditions = [sql`c.parent_id = ${member.companyId}`, sql`c.deleted_at is null`];
  if (options.q) conditions.push(sql`${nameKey} like ${likePrefix(options.q.toLowerCase())}`);
  const filtered = sql.join(conditions, sql` and `);
  const page = [...conditions];
  if (options.after) {
    const key = decodeNameCursor(options.after);
    page.push(sql`(${nameKey}, c.id) > (${key.nameSort}, ${key.id}::uuid)`);
  }
  const limit = options.limit === null ? sql`` : sql`limit ${options.limit + 1}`;
  const rows = await queryRows<Row>(
    db,
    sql`select c.id, c.name, lower(c.name) as name_sort, p.name as parent_name, c.created_at,
          (select count(*) from users u where u.company_id = c.id) as user_count,
          c.last_login_at,
          ${manageableBy(member)} as can_manage
        from companies c join companies p on p.id = c.parent_id
        where ${sql.join(page, sql` and `)}
        order by ${nameKey}, c.id ${limit}`,
  );
  const [totalRow] = await queryRows<{ total: number | string }>(db, sql`select count(*) as total from companies c where ${filtered}`);
  const hasMore = options.limit !== null && rows.length > options.limit;
  const visible = hasMore ? rows.slice(0, options.limit ?? rows.length) : rows;
  const last = visible.at(-1);
  return {
    companies: visible.map(
      (r): ManagedCompanyRow => ({
        id: r.id,
        name: r.name,
        parentName: r.parent_name,
        createdAt: toDate(r.created_at),
        userCount: Number(r.user_count),
        lastLoginAt: r.last_login_at === null ? null : toDate(r.last_login_at),
        canManage: r.can_manage === true,
      }),
    ),
    nextCursor: hasMore && last ? encodeNameCursor({ nameSort: last.name_sort, id: last.id }) : null,
    total: Number(totalRow?.total ?? 0),
  };
}

export async function managedCompaniesCsv(db: Executor, member: Member): Promise<string> {
  const { companies } = await listManagedCompanies(db, member, { limit: null });
  return toCsv(
    ["id", "name", "parent", "created_at", "users", "last_login_at"],
    companies.map((c) => [c.id, c.name, c.parentName, c.createdAt.toISOString(), String(c.userCount), c.lastLoginAt?.toISOString() ?? ""]),
  );
}
