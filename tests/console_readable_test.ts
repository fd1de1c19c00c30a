/**
 * The console as a newcomer reads it, in Chromium at a laptop's width and a phone's: failed
 * plugins first with a summary and a filter, the host's own 503s apart from a plugin's errors,
 * real latencies, a config form in the schema's order whose default-true checkbox can be turned
 * off, attestation attributes that open, tables that become cards on a phone, a log that wraps.
 * Screenshots of each view at each width go to tests/artifacts/.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { ARTIFACTS, launchBrowser } from "./_browser.ts";
import { REPO } from "./_host_process.ts";
import { FIXTURES, startTestHost, waitForState } from "./_in_process_host.ts";

const WIDTHS = [{ name: "laptop", width: 1280, height: 800 }, {
  name: "phone",
  width: 390,
  height: 844,
}];

async function shot(page: Page, name: string): Promise<void> {
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: fileURLToPath(new URL(`${name}.png`, ARTIFACTS)), fullPage: true });
}

Deno.test("the console reads well at a laptop's width and a phone's", async () => {
  const test = await startTestHost(
    ["biotech", "echo", "crash-at-start"],
    "",
    [FIXTURES, `${REPO}plugins`],
    "",
    { file: true },
  );
  const browser = await launchBrowser();
  try {
    const { registry, url } = test.host;
    await waitForState(registry, "biotech", "running");
    await waitForState(registry, "echo", "running");
    await waitForState(registry, "crash-at-start", "failed");
    // One request answered by echo, then echo paused: the host answers its 503s itself.
    await (await fetch(new URL("/api/echo/greeting", url))).body?.cancel();
    await test.host.supervisor.pause("echo");
    for (let i = 0; i < 3; i++) {
      await (await fetch(new URL("/api/echo/greeting", url))).body?.cancel();
    }
    // The first start's analysis gives the store attestations with attributes.
    for (let i = 0; i < 100; i++) {
      const listed = await (await fetch(new URL("/api/attestations?source=biotech&limit=1", url)))
        .json();
      if (listed.attestations.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    for (const { name, width, height } of WIDTHS) {
      const page = await browser.newPage({ viewport: { width, height } });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));

      await page.goto(new URL("/#/plugins", url).href);
      await page.waitForSelector('article[data-plugin="echo"] [data-state="paused"]');
      // Failed first, and said in the summary.
      assert.equal(
        await page.getAttribute("article.card >> nth=0", "data-plugin"),
        "crash-at-start",
      );
      await page.waitForSelector('.summary [data-count="failed"]:has-text("1 failed")');
      // Its error once: in its card's last error, not again as its health.
      const failed = await page.textContent('article[data-plugin="crash-at-start"]') ?? "";
      assert.equal(failed.split("cannot open the genome index").length - 1, 1, failed);
      const echo = await page.textContent('article[data-plugin="echo"] .facts');
      assert.match(echo ?? "", /1 \(0\.0 % errors\); 3 refused by the host/);
      // One request: its p50 and p99 are its own time, not a bucket's edge.
      const [, p50, p99] = /p50 ([\d.]+) ms, p99 ([\d.]+) ms/.exec(echo ?? "") ?? [];
      assert.ok(p50 !== undefined && p50 === p99, echo ?? "");
      await page.fill("#plugin-filter", "bio");
      assert.deepEqual(
        await page.$$eval(
          "article.card",
          (cards) => cards.map((c) => c.getAttribute("data-plugin")),
        ),
        ["biotech"],
      );
      await shot(page, `plugins-${name}`);

      // The config form: the schema's order, defaults shown, a default-true box turned off.
      await page.goto(new URL("/#/plugins/biotech", url).href);
      await page.waitForSelector("form.config");
      const order = await page.$$eval(
        "form.config .field label span:first-child",
        (labels) => labels.map((label) => label.textContent?.replace(" *", "")),
      );
      assert.equal(order[0], "samples_dir");
      assert.match(await page.textContent("#field-kmer_k-help") ?? "", /default 3/);
      // Its default (true) shows checked and can be turned off; at the phone's width, on again.
      const wanted = name === "laptop" ? false : true;
      assert.equal(await page.isChecked("#field-analyze_samples_at_start"), !wanted);
      await page.setChecked("#field-analyze_samples_at_start", wanted);
      await page.click("form.config button[type=submit]");
      await page.waitForSelector("#notice:has-text('Saved')");
      const config = await (await fetch(new URL("/api/plugins/biotech/config", url))).json();
      assert.equal(config.values.analyze_samples_at_start, wanted);
      // The log wraps and lays out its lines.
      await page.waitForSelector(".log .line");
      assert.equal(
        await page.evaluate(`getComputedStyle(document.querySelector(".log")).whiteSpace`),
        "pre-wrap",
      );
      await shot(page, `plugin-${name}`);

      await page.goto(new URL("/#/attestations", url).href);
      await page.waitForSelector("details.attributes");
      await page.click("details.attributes >> nth=0");
      assert.match(await page.textContent("details.attributes[open] pre") ?? "", /"value"/);
      const timeLines = await page.evaluate(`(() => {
        const range = document.createRange();
        range.selectNodeContents(document.querySelector("td.nowrap"));
        return range.getClientRects().length;
      })()`);
      assert.equal(timeLines, 1, "a time stays on one line");
      if (name === "phone") {
        // Rows are cards, each cell labelled; nothing runs off the screen.
        assert.equal(
          await page.evaluate(`getComputedStyle(document.querySelector(".table-wrap tr")).display`),
          "block",
        );
        const scroll = await page.evaluate("document.documentElement.scrollWidth");
        assert.ok(Number(scroll) <= width + 1, `the page is ${scroll} px wide`);
      }
      await shot(page, `attestations-${name}`);

      await page.goto(new URL("/#/jobs", url).href);
      await page.waitForSelector("tr[data-job]");
      const handler = page.locator('tr[data-job] td[data-label="handler"] >> nth=0');
      assert.match(await handler.textContent() ?? "", /biotech\/analyze/);
      const handlerBox = await handler.boundingBox();
      assert.ok(
        handlerBox && handlerBox.x + handlerBox.width <= width + 1,
        "the handler is on screen",
      );
      await shot(page, `jobs-${name}`);
      assert.deepEqual(errors, []);
      await page.close();
    }
  } finally {
    await browser.close();
    await test.close();
  }
});
