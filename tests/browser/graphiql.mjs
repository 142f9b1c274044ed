// Loads staffgraph's GraphiQL (`/`) in headless Chromium with every request to another
// origin refused — a machine with no internet — runs the query given in the URL by clicking
// the run button, and prints what the result pane shows. Exits non-zero when the page asked
// for anything elsewhere, logged an error (a Content-Security-Policy violation is one), or did
// not show the expected text.
//
//   node graphiql.mjs <base-url> <expected-text> <screenshot.png>
// with CHROMIUM the browser's path (default /usr/bin/chromium).
import { chromium } from "playwright-core";
import { noteFailure, offlineContext } from "./offline.mjs";

const [base, expected, screenshot] = process.argv.slice(2);
if (!base || !expected) {
  console.error("usage: node graphiql.mjs <base-url> <expected-text> [screenshot.png]");
  process.exit(2);
}
const origin = new URL(base).origin;
const query = "query Coverage { planMeasures(schoolYear: 2026) { code rate } }";

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const report = { elsewhere: [], errors: [], failed: [], result: null };
try {
  const context = await offlineContext(browser, origin, report);
  const page = await context.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") report.errors.push(message.text());
  });
  page.on("pageerror", (error) => report.errors.push(String(error)));
  page.on("requestfailed", (request) => {
    if (new URL(request.url()).origin === origin) report.failed.push(request.url());
  });
  page.on("response", (response) => {
    if (response.status() >= 400) report.failed.push(`${response.status()} ${response.url()}`);
  });

  await page.goto(`${base}/?query=${encodeURIComponent(query)}`, { waitUntil: "load" });
  const run = page.locator(".graphiql-execute-button");
  await run.waitFor({ state: "visible", timeout: 15000 });
  await run.click();
  const result = page.locator(".result-window");
  await result.getByText(expected).first().waitFor({ timeout: 15000 });
  report.result = (await result.innerText()).slice(0, 2000);
  report.title = await page.title();
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
} catch (error) {
  await noteFailure(browser, report, error, "body", screenshot);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report, null, 2));
const ok = !report.exception && report.elsewhere.length === 0 && report.errors.length === 0 &&
  report.failed.length === 0 && report.result !== null;
process.exit(ok ? 0 : 1);
