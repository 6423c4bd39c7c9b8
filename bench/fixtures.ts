/**
 * What generate-companies.ts creates next to generate-users.ts's "Bench Co" (100,000 users), and what
 * the load scenarios sign in as. Every account shares BENCH_ADMIN_PASSWORD (one hash, made once).
 */
export const LINKED_COMPANIES = 1_000;
/** Users in each linked company (its administrator included), and in Solo Co, its same-sized twin without links. */
export const USERS_PER_LINKED = 147;
/** Managers of the group holding grants, and how many linked companies each may manage (by name order). */
export const GROUP_MANAGERS = 50;
export const GRANTS_PER_MANAGER = 20;

export const BENCH_COMPANIES = {
  /** The multi-company profile with every linked company. */
  group: { name: "Bench Group", domain: "group.bench.example", users: 1_000 },
  /** A multi-company profile with no linked companies: the managed companies page at its cheapest. */
  lone: { name: "Lone Group", domain: "lone.bench.example", users: 853 },
  /** 1,000 users: the users search at a hundredth of Bench Co's size. */
  small: { name: "Small Co", domain: "small.bench.example", users: 1_000 },
  /** A plain company the size of one linked company. */
  solo: { name: "Solo Co", domain: "solo.bench.example", users: USERS_PER_LINKED },
} as const;

export const BENCH_ACCOUNTS = {
  groupAdmin: "admin@group.bench.example",
  /** Holds grants for the first GRANTS_PER_MANAGER linked companies in name order. */
  groupManager: "manager.1@group.bench.example",
  loneManager: "manager.1@lone.bench.example",
  smallAdmin: "admin@small.bench.example",
  soloAdmin: "admin@solo.bench.example",
} as const;

export const groupManagerEmail = (k: number) => `manager.${k}@${BENCH_COMPANIES.group.domain}`;
export const linkedDomain = (n: number) => `l${n}.bench.example`;

/** The suite runs on PostgreSQL; without DATABASE_URL it uses this database of its own. */
export const DEFAULT_BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/latchkey_bench";
