import { sql } from "drizzle-orm";
import { preparedStatement, queryRows, type Executor } from "../../../db/client.ts";

export interface ForgotPasswordRequest {
  id: number;
  email: string;
  clientAddress: string;
  requestedAt: Date;
}

/** The request path's one statement: prepared once per connection (decision 0010). */
const insertRequest = preparedStatement<never, { email: string; clientAddress: string; requestedAt: Date }>("forgot_password_request", sql`
    insert into forgot_password_requests (email, client_address, requested_at)
    values (${sql.placeholder("email")}, ${sql.placeholder("clientAddress")}, ${sql.placeholder("requestedAt")})`);

export async function insertForgotPasswordRequest(db: Executor, request: Omit<ForgotPasswordRequest, "id">): Promise<void> {
  await insertRequest(db, request);
}

/**
 * Takes up to `limit` waiting requests, oldest first, deleting them in the caller's transaction:
 * rows another instance holds are skipped (SKIP LOCKED), and if the transaction does not commit
 * (a crash, an error) they are back for the next batch.
 */
export async function claimForgotPasswordRequests(tx: Executor, limit: number): Promise<ForgotPasswordRequest[]> {
  const rows = await queryRows<{ id: string | number; email: string; client_address: string; requested_at: Date | string }>(tx, sql`
    delete from forgot_password_requests
    where id in (select id from forgot_password_requests order by id limit ${limit} for update skip locked)
    returning id, email, client_address, requested_at`);
  return rows
    .map((row) => ({ id: Number(row.id), email: row.email, clientAddress: row.client_address, requestedAt: new Date(row.requested_at) }))
    .sort((a, b) => a.id - b.id);
}

/** Requests not yet taken by a worker (tests, the bench). */
export async function countWaitingForgotPasswordRequests(db: Executor): Promise<number> {
  const [row] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from forgot_password_requests`);
  return Number(row?.n ?? 0);
}
