/**
 * The read paths at scale: the users list and search in a 100,000-user company (and search in a
 * 1,000-user one), a user's page, the managed companies page with 1,000 linked companies and with
 * none, and a linked company's users list seen by a team member switched in, next to a plain
 * company of the same size.
 */
import { expectGet, signIn, switchInto } from "../api-client.ts";
import { BENCH_ACCOUNTS, BENCH_COMPANIES, USERS_PER_LINKED } from "../fixtures.ts";
import { cycle, type LoadResult, type Stream } from "../load.ts";
import type { SuiteContext } from "../scenario-context.ts";
import { BENCH_ADMIN_EMAIL } from "../support.ts";

export const SEARCH = "mar";
export const LIST_CONNECTIONS = 50;

export interface PageFigures {
  usersList: LoadResult;
  search100k: LoadResult;
  search1k: LoadResult;
  userPage: LoadResult;
  managedLinked: LoadResult;
  managedNone: LoadResult;
  linkedUsers: LoadResult;
  plainUsers: LoadResult;
}

const get = (label: string, cookie: string, path: () => string): Stream => ({ label, next: () => ({ path: path(), headers: { cookie } }) });
const fixed = (path: string) => () => path;

interface Page {
  total?: number;
  users?: unknown[];
  companies?: unknown[];
}

export async function pageScenarios(ctx: SuiteContext): Promise<PageFigures> {
  const benchAdmin = await signIn(ctx.base, ctx.csrf, BENCH_ADMIN_EMAIL);
  const smallAdmin = await signIn(ctx.base, ctx.csrf, BENCH_ACCOUNTS.smallAdmin);
  const soloAdmin = await signIn(ctx.base, ctx.csrf, BENCH_ACCOUNTS.soloAdmin);
  const groupManager = await signIn(ctx.base, ctx.csrf, BENCH_ACCOUNTS.groupManager);
  const loneManager = await signIn(ctx.base, ctx.csrf, BENCH_ACCOUNTS.loneManager);
  const switchedManager = await signIn(ctx.base, ctx.csrf, BENCH_ACCOUNTS.groupManager);
  await switchInto(ctx.base, ctx.csrf, switchedManager, await ctx.db.firstGrantedLinkedCompany());

  const list = "/api/v1/users?limit=25";
  const search = `/api/v1/users?q=${SEARCH}&limit=25`;
  const managed = "/api/v1/managed-companies?limit=25";
  // Check once that each path answers what the scenario claims to measure.
  const sizes = {
    bench: ((await expectGet(ctx.base, list, benchAdmin)) as Page).total,
    search100k: ((await expectGet(ctx.base, search, benchAdmin)) as Page).total,
    search1k: ((await expectGet(ctx.base, search, smallAdmin)) as Page).total,
    linkedCompanies: ((await expectGet(ctx.base, managed, groupManager)) as Page).total,
    noLinks: ((await expectGet(ctx.base, managed, loneManager)) as Page).total,
    linkedUsers: ((await expectGet(ctx.base, list, switchedManager)) as Page).total,
    plainUsers: ((await expectGet(ctx.base, list, soloAdmin)) as Page).total,
  };
  console.log(`(page totals: ${JSON.stringify(sizes)}; a linked company has ${USERS_PER_LINKED} users, ${BENCH_COMPANIES.solo.name} too)`);
  const userIds = await ctx.db.activeUsers("Bench Co", "user", "id", 1_000, 10_000);

  const usersList = await ctx.run({ name: `users list page 1 (100,000 users, ${LIST_CONNECTIONS} connections)`, connections: LIST_CONNECTIONS, expect: 200, warmUp: true, streams: [get("list", benchAdmin, fixed(list))] });
  const search100k = await ctx.run({ name: `users search q=${SEARCH} (100,000 users)`, connections: 10, expect: 200, warmUp: true, streams: [get("search", benchAdmin, fixed(search))] });
  const search1k = await ctx.run({ name: `users search q=${SEARCH} (1,000 users)`, connections: 10, expect: 200, warmUp: true, streams: [get("search", smallAdmin, fixed(search))] });
  const userId = cycle(userIds);
  const userPage = await ctx.run({ name: "user page (GET /users/:id)", connections: 10, expect: 200, warmUp: true, streams: [get("user", benchAdmin, () => `/api/v1/users/${userId()}`)] });
  const managedLinked = await ctx.run({ name: "managed companies (1,000 linked)", connections: 10, expect: 200, warmUp: true, streams: [get("managed", groupManager, fixed(managed))] });
  const managedNone = await ctx.run({ name: "managed companies (no links)", connections: 10, expect: 200, warmUp: true, streams: [get("managed", loneManager, fixed(managed))] });
  const linkedUsers = await ctx.run({ name: "linked company users list (switched in)", connections: 10, expect: 200, warmUp: true, streams: [get("list", switchedManager, fixed(list))] });
  const plainUsers = await ctx.run({ name: "plain company users list (same size, no links)", connections: 10, expect: 200, warmUp: true, streams: [get("list", soloAdmin, fixed(list))] });
  return { usersList, search100k, search1k, userPage, managedLinked, managedNone, linkedUsers, plainUsers };
}
