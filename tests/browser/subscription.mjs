// Runs a subscription from staffgraph's GraphiQL (`/`) in headless Chromium, the token in the
// Headers tab, then makes a write in another tab of the same browser and waits for the event
// to show in GraphiQL's result pane. Prints a JSON report; exits non-zero when the event did
// not show, the page logged an error, or it asked for anything on another origin.
//
//   node subscription.mjs <base-url> <token> <subscription> <mutation.json> <expected> [shot.png]
// with CHROMIUM the browser's path (default /usr/bin/chromium); <mutation.json> is the body
// the other tab POSTs to /graphql.
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";
import { noteFailure, offlineContext } from "./offline.mjs";

const [base, token, subscription, mutationFile, expected, screenshot] = process.argv.slice(2);
if (!base || !token || !subscription || !mutationFile || !expected) {
  console.error("usage: node subscription.mjs <base-url> <token> <subscription> <mutation.json> <expected> [shot.png]");
  process.exit(2);
}
const origin = new URL(base).origin;
const mutation = readFileSync(mutationFile, "utf8");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const report = { elsewhere: [], errors: [], frames: [], written: null, result: null };
try {
  const context = await offlineContext(browser, origin, report);
  // What a user types in the Headers tab, which GraphiQL keeps in this browser's storage.
  const headers = JSON.stringify({ Authorization: `Bearer ${token}` });
  await context.addInitScript((value) => window.localStorage.setItem("graphiql:headers", value), headers);
  const page = await context.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") report.errors.push(message.text());
  });
  page.on("pageerror", (error) => report.errors.push(String(error)));
  const acknowledged = new Promise((resolve) => {
    page.on("websocket", (socket) => {
      socket.on("framereceived", (frame) => {
        const text = String(frame.payload);
        report.frames.push(text.slice(0, 300));
        if (text.includes("connection_ack")) resolve();
      });
    });
  });

  await page.goto(`${base}/?query=${encodeURIComponent(subscription)}`, { waitUntil: "load" });
  const run = page.locator(".graphiql-execute-button");
  await run.waitFor({ state: "visible", timeout: 15000 });
  await run.click();
  await Promise.race([
    acknowledged,
    new Promise((_, reject) => setTimeout(() => reject(new Error("no connection_ack within 15 s")), 15000)),
  ]);
  // Let the subscription's first read finish before the write.
  await page.waitForTimeout(500);

  // Another tab writes.
  const other = await context.newPage();
  await other.goto(`${base}/`, { waitUntil: "load" });
  report.written = await other.evaluate(
    async ({ body, token }) => {
      const response = await fetch("/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body,
      });
      return response.json();
    },
    { body: mutation, token },
  );

  const result = page.locator(".result-window");
  await result.getByText(expected).first().waitFor({ timeout: 15000 });
  report.result = (await result.innerText()).slice(0, 2000);
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
} catch (error) {
  await noteFailure(browser, report, error, ".result-window", screenshot);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report, null, 2));
const ok = !report.exception && report.elsewhere.length === 0 && report.errors.length === 0 && report.result !== null;
process.exit(ok ? 0 : 1);
