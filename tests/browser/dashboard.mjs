// Opens staffgraph's public dashboard (`/dashboard`) in headless Chromium with every request
// to another origin refused, and reports what a reader would meet: the measures shown with
// their figures, the withheld cells and their reasons, what axe-core's accessibility check
// finds, whether the page fits a phone's width, and whether the keyboard reaches its
// controls. Exits non-zero when the page asked for anything elsewhere, logged an error, or
// axe-core found a serious or critical violation.
//
//   node dashboard.mjs <page-url> <screenshot.png> <phone-screenshot.png>
// with CHROMIUM the browser's path (default /usr/bin/chromium).
import { chromium } from "playwright-core";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const axePath = require.resolve("axe-core/axe.min.js");
const [url, screenshot, phoneShot] = process.argv.slice(2);
if (!url) {
  console.error("usage: node dashboard.mjs <page-url> [screenshot.png] [phone-screenshot.png]");
  process.exit(2);
}
const origin = new URL(url).origin;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const report = { elsewhere: [], errors: [], measures: [], withheld: [], violations: [] };
try {
  // The page allows no script: axe-core is added past its Content-Security-Policy.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  await context.route("**/*", (route) => {
    const target = route.request().url();
    if (target.startsWith("data:") || new URL(target).origin === origin) return route.continue();
    report.elsewhere.push(target);
    return route.abort("internetdisconnected");
  });
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") report.errors.push(m.text()); });
  page.on("pageerror", (e) => report.errors.push(String(e)));
  const response = await page.goto(url, { waitUntil: "load" });
  report.status = response.status();
  report.title = await page.title();
  report.measures = await page.$$eval("section.measure", (sections) =>
    sections.map((s) => ({
      code: s.dataset.measure,
      title: s.querySelector("h2")?.innerText,
      current: s.querySelector("dd[data-org]")?.innerText,
      charts: s.querySelectorAll("svg rect.bar").length,
      rated: s.querySelectorAll("tbody td[data-rate]").length,
      rows: s.querySelectorAll("tbody tr").length,
    })));
  report.withheld = await page.$$eval("td[data-withheld], dd[data-withheld]", (cells) =>
    cells.map((c) => ({ measure: c.dataset.measure, org: c.dataset.org, shown: c.innerText })));
  // The keyboard reaches the year selector.
  await page.keyboard.press("Tab");
  report.firstFocus = await page.evaluate(() => document.activeElement?.tagName);
  await page.addScriptTag({ path: axePath });
  const axe = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
  });
  report.violations = axe;
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  // A phone's width: nothing wider than the screen.
  await page.setViewportSize({ width: 375, height: 800 });
  report.phoneOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (phoneShot) await page.screenshot({ path: phoneShot, fullPage: false });
} catch (error) {
  report.exception = String(error);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report, null, 2));
const serious = report.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
const ok = !report.exception && report.status === 200 && report.elsewhere.length === 0 &&
  report.errors.length === 0 && serious.length === 0;
process.exit(ok ? 0 : 1);
