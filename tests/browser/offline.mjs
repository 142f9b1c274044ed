// What the GraphiQL page tests share: a browser context in which every request to another
// origin is refused (a machine with no internet) and noted, and the report of a failure (what
// the page showed, a screenshot).

/// A new context of `browser` (1280×800) refusing, and noting in `report.elsewhere`, every
/// request that leaves `origin`.
export async function offlineContext(browser, origin, report) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("data:") || new URL(url).origin === origin) {
      return route.continue();
    }
    report.elsewhere.push(url);
    return route.abort("internetdisconnected");
  });
  return context;
}

/// Notes `error` in `report`, with what the first page's `selector` shows and a screenshot.
export async function noteFailure(browser, report, error, selector, screenshot) {
  report.exception = String(error);
  try {
    const page = browser.contexts()[0].pages()[0];
    report.shown = (await page.locator(selector).innerText()).slice(0, 2000);
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  } catch (_) {
    // the page itself is gone: the exception says why
  }
}
