import { registerCompany } from "./support/actions.ts";
import { expect, test } from "./support/fixtures.ts";

// Issue 19, item 8 (decision 0050): users from a CSV file, checked row by row, nobody invited while
// a row is wrong, invitations sent on confirmation.

const ADMIN = { company: "Quillon Imports", name: "Iris Quill", email: "iris@quillon-imports.test", password: "a careful import of many people 2026" };
const GOOD = ["name,email,role", "Ada Lovelace,ada@quillon-imports.test,manager", '"Grace ""Amazing"" Hopper",grace@quillon-imports.test,'];
const BAD_LINE = "Bad Address,not-an-address,user";
const FIXED_LINE = "Alan Turing,alan@quillon-imports.test,read_only";

test("an administrator imports a CSV file, sees the bad row in words, fixes the file and invites everyone, at 1280 px and 390 px", async ({ page, mailbox, shot, expectAccessible }) => {
  await page.setViewportSize({ width: 1280, height: 860 });
  await registerCompany(page, ADMIN);
  await page.goto("/users");
  await page.getByRole("link", { name: "Import from CSV" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Import users from CSV" })).toBeVisible();

  await test.step("nothing chosen: the check says what to do", async () => {
    await page.getByRole("button", { name: "Check the file" }).click();
    await expect(page.getByText("Choose a CSV file or paste its lines first.")).toBeVisible();
    await expectAccessible();
    await shot("choose-a-file");
  });

  await test.step("a file with one bad row: the preview names the problem, and nobody can be invited", async () => {
    await page.getByLabel("CSV file").setInputFiles({ name: "people.csv", mimeType: "text/csv", buffer: Buffer.from(`\uFEFF${[...GOOD, BAD_LINE].join("\r\n")}\r\n`) });
    await expect(page.getByLabel("Or paste the lines")).toHaveValue(/not-an-address/);
    await page.getByRole("button", { name: "Check the file" }).click();
    await expect(page.getByRole("heading", { level: 2, name: "1 row to correct" })).toBeFocused();
    const bad = page.getByRole("row", { name: /Bad Address/ });
    await expect(bad).toContainText("This is not a valid email address.");
    await expect(page.getByRole("row", { name: /Grace "Amazing" Hopper/ })).toContainText("Ready");
    await expect(page.getByRole("button", { name: "Invite 2 users" })).toBeDisabled();
    await expectAccessible();
    await shot("preview-with-an-error");
  });

  await test.step("the corrected lines check clean, and confirming invites each person", async () => {
    await page.getByRole("button", { name: "Correct the file" }).click();
    await page.getByLabel("Or paste the lines").fill([...GOOD, FIXED_LINE].join("\n"));
    await page.getByRole("button", { name: "Check the file" }).click();
    await expect(page.getByRole("heading", { level: 2, name: "3 users will be invited" })).toBeFocused();
    await page.setViewportSize({ width: 390, height: 844 });
    await expectAccessible();
    await shot("preview-ready-390");
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.getByRole("button", { name: "Invite 3 users" }).click();
    await expect(page.getByRole("heading", { level: 2, name: "3 users invited" })).toBeFocused();
    await page.getByText("Who was invited (3)").click();
    await expect(page.getByRole("listitem").filter({ hasText: "alan@quillon-imports.test" })).toBeVisible();
    await expectAccessible();
    await shot("imported");
    for (const to of ["ada@quillon-imports.test", "grace@quillon-imports.test", "alan@quillon-imports.test"]) await mailbox.waitFor({ to, subject: /invited/ }, 15_000);
  });

  await test.step("back on the Users page, the new users are in the table", async () => {
    await page.getByRole("link", { name: "Back to users" }).click();
    await expect(page).toHaveURL(/\/users$/);
    for (const name of ["Ada Lovelace", 'Grace "Amazing" Hopper', "Alan Turing"]) await expect(page.getByRole("row", { name: new RegExp(name) })).toBeVisible();
    await shot("users-after-import");
  });
});
