/**
 * Glyphs in the console, in a real Chromium: a domain plugin's glyph (biotech's sequences)
 * renders in its frame from its own routes, and a hostile glyph (prankster) reaches neither the
 * console's page, cookies or API, nor another plugin, nor the network; what the console refused
 * is shown to the operator.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { ARTIFACTS, launchBrowser } from "./_browser.ts";
import { REPO } from "./_host_process.ts";
import { FIXTURES, startTestHost, waitForState } from "./_in_process_host.ts";

const TOKEN = "glyph-test-operator-token-5d2c1b0a9f8e7d6c";

Deno.test("the console draws plugins' glyphs in frames they cannot leave", async () => {
  const test = await startTestHost(
    ["biotech", "prankster", "echo"],
    `[auth]\ntoken = "${TOKEN}"\n`,
    [FIXTURES, `${REPO}plugins`],
  );
  const browser = await launchBrowser();
  try {
    for (const name of ["biotech", "prankster", "echo"]) {
      await waitForState(test.host.registry, name, "running");
    }
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(new URL("/login", test.host.url).href);
    await page.fill("#token", TOKEN);
    await page.click("button[type=submit]");
    await page.waitForURL(test.host.url.href);

    await page.goto(new URL("/#/glyphs", test.host.url).href);
    await page.waitForSelector('a[data-glyph="biotech/🧬"]');
    await page.click('a[data-glyph="biotech/🧬"]');
    const biotech = page.frameLocator('iframe[data-glyph="biotech/🧬"]');
    await biotech.locator("tr[data-sequence]").first().waitFor();
    const rows = await biotech.locator("tr[data-sequence]").count();
    assert.ok(rows >= 3, `the glyph drew ${rows} sequences`);
    // The frame is sandboxed, an opaque origin with its own policy.
    const frame = page.locator('iframe[data-glyph="biotech/🧬"]');
    assert.equal(await frame.getAttribute("sandbox"), "allow-scripts");
    const served = await fetch(new URL("/console/glyph_frame.html", test.host.url));
    await served.body?.cancel();
    const policy = served.headers.get("content-security-policy") ?? "";
    assert.match(policy, /sandbox allow-scripts;/);
    assert.match(policy, /connect-src 'none'/);
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: fileURLToPath(new URL("glyph.png", ARTIFACTS)) });

    await page.click('a[data-glyph="prankster/☠"]');
    const prank = page.frameLocator('iframe[data-glyph="prankster/☠"]');
    const report = JSON.parse(await prank.locator("#report").textContent() ?? "{}");
    for (
      const attempt of [
        "parentDocument",
        "cookie",
        "storage",
        "directFetch",
        "hostApi",
        "dotDot",
        "encodedDotDot",
        "otherPlugin",
        "otherHost",
        "navigateTop",
      ]
    ) {
      assert.match(report[attempt] ?? "", /^refused/, `${attempt}: ${report[attempt]}`);
    }
    assert.equal(report.ownRoute, "allowed: own secret");
    assert.equal(report.absoluteOwnRoute, "allowed: 200");
    // Its try to navigate the console away went nowhere.
    assert.equal(new URL(page.url()).origin, test.host.url.origin);
    assert.equal(new URL(page.url()).hash, "#/glyphs/prankster%2F%E2%98%A0");
    assert.equal(test.host.registry.getState("prankster"), "running");
    // What the console refused is listed for the operator.
    const refused = await page.locator(".refused li").allTextContents();
    assert.ok(
      refused.some((line) => line.includes("/api/plugins/prankster/disable")),
      refused.join("\n"),
    );
    assert.ok(refused.some((line) => line.includes("/api/echo/hello")), refused.join("\n"));

    // A glyph whose content redirects to the host's API: the console does not follow it.
    await page.click('a[data-glyph="prankster/↪"]');
    await page.waitForSelector('.glyph-panel [role=status]:has-text("could not be loaded")');
    const lure = page.frameLocator('iframe[data-glyph="prankster/↪"]');
    assert.equal((await lure.locator("body").textContent())?.trim(), "");

    // A page the plugin serves, opened directly by the signed-in operator, runs sandboxed: its
    // script gets neither the session nor the host's API.
    const direct = await page.goto(new URL("/api/prankster/page.html", test.host.url).href);
    assert.match(direct!.headers()["content-security-policy"] ?? "", /sandbox allow-scripts/);
    let text = "running";
    for (let i = 0; i < 100 && text === "running"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      text = await page.textContent("#report") ?? "running";
    }
    const tried = JSON.parse(text);
    assert.match(tried.cookie ?? "", /^refused/);
    assert.doesNotMatch(tried.disable ?? "", /answered 2\d\d/);
    assert.equal(test.host.registry.getState("echo"), "running");
  } finally {
    await browser.close();
    await test.close();
  }
});
