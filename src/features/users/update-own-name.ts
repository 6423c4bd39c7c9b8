import { eq } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { users } from "../../db/schema.ts";
import type { PersonActor } from "../access/actor.ts";
import { nameSortKey } from "./user-name.ts";

/** Account settings: anyone may change their own name (never their role or email). */
export async function updateOwnName(deps: Pick<Deps, "db" | "clock">, actor: PersonActor, name: string): Promise<void> {
  await deps.db.update(users).set({ name, nameSort: nameSortKey(name), updatedAt: deps.clock.now() }).where(eq(users.id, actor.userId));
}
