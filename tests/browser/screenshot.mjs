// Takes the README's picture of a page: the first screenful at a laptop's width.
//
//   node screenshot.mjs <page-url> <out.png>
// with CHROMIUM the browser's path (default /usr/bin/chromium).
import { chromium } from "playwright-core";

const [url, out] = process.argv.slice(2);
if (!url || !out) {
  console.error("usage: node screenshot.mjs <page-url> <out.png>");
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 1300 } });
  const response = await page.goto(url, { waitUntil: "load" });
  if (response.status() !== 200) throw new Error(`${url} answered ${response.status()}`);
  await page.screenshot({ path: out });
} finally {
  await browser.close();
}
