/**
 * The web console in a real Chromium against a real host with real plugin processes: the list
 * renders, pause shows `paused` and the plugin's routes answer 503, a killed process shows
 * restarting then running, the config form rejects a bad value with the server's message and
 * accepts a good one, logs stream in; a screenshot of each main view is kept.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { ARTIFACTS, launchBrowser } from "./_browser.ts";
import { FIXTURES, startTestHost, waitForState } from "./_in_process_host.ts";
import { pluginFolder } from "./_plugin_folder.ts";

/** The operator's token: the console runs signed in, as users run it. */
const TOKEN = "console-test-operator-token-8b1f2e3d4c5a6978";
const BEARER = { authorization: `Bearer ${TOKEN}` };

const TABLES = `[auth]
token = "${TOKEN}"

[tuned]
greeting = "hello there"
token = "s3cr3t-console"
`;

async function shot(page: Page, name: string): Promise<void> {
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: fileURLToPath(new URL(`${name}.png`, ARTIFACTS)), fullPage: true });
}

/**
 * Waits until `expression` is true in the page. (Playwright's waitForFunction compiles its
 * text with eval, which the console's content security policy rightly forbids.)
 */
async function until(page: Page, expression: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await page.evaluate<boolean>(expression))) {
    if (Date.now() > end) throw new Error(`the page never had ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const card = (name: string) => `article[data-plugin="${name}"]`;
const stateOf = (name: string, state: string) => `${card(name)} [data-state="${state}"]`;

Deno.test("the console shows plugins live and drives them, in a real browser", async () => {
  Deno.env.set("QNTX_TUNED_LOUD", "false");
  // A plugin whose manifest asks for a variable: failed until the operator approves it.
  const root = await Deno.makeTempDir({ prefix: "qntx-console-" });
  await pluginFolder(root, "asker", { env: ["QNTX_TEST_X"] });
  const test = await startTestHost(
    ["echo", "tuned", "worker", "asker"],
    TABLES,
    [FIXTURES, root],
    "",
    { file: true },
  );
  const browser = await launchBrowser();
  try {
    await Promise.all(
      ["echo", "tuned", "worker"].map((name) => waitForState(test.host.registry, name, "running")),
    );
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
    // Signs in first (the sign-in page, then the console), so no request is refused on the way.
    await page.goto(new URL("/login", test.host.url).href);
    await page.fill("#token", TOKEN);
    await page.click("button[type=submit]");
    await page.waitForURL(test.host.url.href);
    const response = await page.goto(test.host.url.href);
    assert.match(response!.headers()["content-security-policy"]!, /script-src 'self'/);

    // The list renders with each plugin's state.
    for (const name of ["echo", "tuned", "worker"]) {
      await page.waitForSelector(stateOf(name, "running"));
    }
    assert.equal(await page.textContent("#connection"), "live");
    await shot(page, "plugins");

    // Pause: the card says paused and the plugin's routes answer 503; resume brings it back.
    await page.click(`${card("echo")} button[data-key="pause:echo"]`);
    await page.waitForSelector(stateOf("echo", "paused"));
    const paused = await fetch(new URL("/api/echo/hello", test.host.url), { headers: BEARER });
    await paused.body?.cancel();
    assert.equal(paused.status, 503);
    assert.ok(
      await page.isDisabled(`${card("echo")} button[data-key="pause:echo"]`),
      "pause does not apply to a paused plugin",
    );
    await page.click(`${card("echo")} button[data-key="resume:echo"]`);
    await page.waitForSelector(stateOf("echo", "running"));

    // A killed process: the card shows it restarting, then running again.
    // Functions that run in the page are given as text: they are browser code, not Deno's.
    await page.evaluate(`(() => {
      const seen = (globalThis.seen = []);
      new MutationObserver(() => {
        const state = document.querySelector('article[data-plugin="echo"] [data-state]')
          ?.getAttribute("data-state");
        if (state && seen.at(-1) !== state) seen.push(state);
      }).observe(document.getElementById("main"), { subtree: true, childList: true });
    })()`);
    const pid = test.host.supervisor.get("echo")!.pid!;
    Deno.kill(pid, "SIGKILL");
    await until(
      page,
      `globalThis.seen.includes("loading") && globalThis.seen.at(-1) === "running"`,
    );
    assert.notEqual(test.host.supervisor.get("echo")!.pid, pid);

    // Upgrade: the version on disk takes over from a new process, and the notice says so.
    const beforeUpgrade = test.host.supervisor.get("echo")!.pid;
    await page.click(`${card("echo")} button[data-key="upgrade:echo"]`);
    await until(
      page,
      `document.getElementById("notice").textContent.includes("echo: upgraded from v")`,
    );
    assert.notEqual(test.host.supervisor.get("echo")!.pid, beforeUpgrade);
    assert.equal(test.host.registry.getState("echo"), "running");

    // One plugin's page: the form from its schema, checked in the page and by the server.
    await page.click(`${card("tuned")} h3 a`);
    await page.waitForSelector("form.config");
    assert.equal(await page.inputValue("#field-token"), "********", "the secret is masked");
    assert.equal(await page.getAttribute("#field-token", "type"), "password");
    await page.fill("#field-times", "11");
    await page.click("form.config button[type=submit]");
    await page.waitForSelector("#field-times-problem:has-text('at most 10')");
    await page.fill("#field-times", "");
    await page.check("#field-loud");
    await page.click("form.config button[type=submit]");
    await page.waitForSelector(
      "#field-loud-problem:has-text('set by the environment (QNTX_TUNED_LOUD)')",
    );
    assert.equal(await page.getAttribute("#field-loud", "aria-invalid"), "true");
    await page.uncheck("#field-loud");
    await page.fill("#field-times", "5");
    await page.click("form.config button[type=submit]");
    await page.waitForSelector("#notice:has-text('runs with the new values')");
    const seen = await (await fetch(new URL("/api/tuned/config", test.host.url), {
      headers: BEARER,
    })).json();
    assert.equal(seen.times, 5);

    // Its logs stream in: the re-initialization just logged a line.
    await page.waitForSelector("pre.log div:has-text('reconfigured')");
    await page.selectOption("#log-level", "error");
    assert.equal(await page.locator("pre.log div").count(), 0, "the level filter hides info lines");
    await page.selectOption("#log-level", "all");
    // Its manifest asks nothing beyond the defaults: nothing to approve.
    const approveTuned = 'button[data-key="approve:tuned"]';
    await page.waitForSelector(`${approveTuned}:has-text('Approve these permissions')`);
    assert.ok(await page.isDisabled(approveTuned), "nothing is pending for tuned");
    await shot(page, "plugin");

    // A plugin waiting for approval: the page shows what it asks; the button approves it.
    await waitForState(test.host.registry, "asker", "failed");
    await page.evaluate(`location.hash = "#/plugins/asker"`);
    const approveAsker = 'button[data-key="approve:asker"]';
    await page.waitForSelector(`${approveAsker}:not([disabled])`);
    await page.waitForSelector("li:has-text('env QNTX_TEST_X')");
    assert.equal(await page.textContent("[data-approved]"), "no");
    await shot(page, "approval");
    await page.click(approveAsker);
    await page.waitForSelector("#notice:has-text('asker: manifest approved, now running')");
    await page.waitForSelector('[data-approved="true"]');
    assert.ok(await page.isDisabled(approveAsker), "nothing is pending once approved");
    assert.match(
      await Deno.readTextFile(`${test.dir}/am.toml`),
      /\[plugin\.grants\.asker\]\napproved_manifest = "[0-9a-f]{64}"\n/,
    );
    assert.equal(test.host.registry.getState("asker"), "running");

    // Attestations, searchable.
    await test.host.services.atsStore().batchGenerateAndCreate(
      Array.from({ length: 3 }, (_, i) => ({
        subjects: [`gene-${i}`],
        predicates: ["expressed_in"],
        contexts: ["liver"],
        actors: ["lab"],
      })),
    );
    await page.click("nav a[data-view=attestations]");
    await page.fill("input[name=subject]", "GENE-1");
    await page.click("form.search button[type=submit]");
    await until(
      page,
      `document.querySelectorAll("tbody tr").length === 1 &&
        document.querySelector("tbody tr").textContent.includes("gene-1")`,
    );
    await shot(page, "attestations");

    // Jobs: a running job with its progress, cancelled from the page.
    const queue = test.host.services.queue();
    const id = await queue.enqueue({
      handlerName: "worker/sleep",
      payload: new TextEncoder().encode('{"ms": 30000}'),
    });
    await page.click("nav a[data-view=jobs]");
    await page.waitForSelector(`tr[data-job="${id}"] [data-state="running"]`);
    await page.waitForSelector(`tr[data-job="${id}"] progress[value]`);
    // The worker's watchers are listed with what they wait for.
    await page.waitForSelector('tr[data-watcher="worker/alerts"]');
    const watcherText = await page.evaluate(
      `document.querySelector('tr[data-watcher="worker/alerts"]').textContent`,
    );
    assert.match(String(watcherText), /predicates: alerted; contexts: ops \| lab/);
    await shot(page, "jobs");
    await page.click(`tr[data-job="${id}"] button[data-key="cancel:${id}"]`);
    await page.waitForSelector(`tr[data-job="${id}"] [data-state="cancelled"]`);
    await page.click(`tr[data-job="${id}"] a`);
    await page.waitForSelector("h2:has-text('cancelled')");
    await page.waitForSelector("td:has-text('cancelled by an operator')");
    await shot(page, "job");

    // A phone's width: nothing overflows sideways; every control has a label.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.click("nav a[data-view=plugins]");
    await page.waitForSelector(stateOf("tuned", "running"));
    const overflow = await page.evaluate<number>(
      "document.documentElement.scrollWidth - document.documentElement.clientWidth",
    );
    assert.ok(overflow <= 0, `the page is ${overflow} px too wide for a phone`);
    await shot(page, "plugins-phone");
    await page.click(`${card("tuned")} h3 a`);
    await page.waitForSelector("form.config");
    const unlabeled = await page.evaluate<string[]>(`[...document.querySelectorAll(
      "input, select, textarea",
    )].filter((input) => input.labels?.length === 0 && !input.getAttribute("aria-label"))
      .map((input) => input.outerHTML)`);
    assert.deepEqual(unlabeled, []);
    await page.reload();
    await page.waitForSelector("form.config");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate<string>("document.activeElement?.className"), "skip");

    // The browser logs the refused PUT (400) as a failed load; anything else is a fault.
    assert.deepEqual(
      errors.filter((error) => !error.includes("status of 400")),
      [],
      "no script errors in the page",
    );
    const html = await page.content();
    assert.ok(!html.includes("s3cr3t-console"), "the secret never reaches the page");
  } finally {
    Deno.env.delete("QNTX_TUNED_LOUD");
    await browser.close();
    await test.close();
    await Deno.remove(root, { recursive: true });
  }
});
