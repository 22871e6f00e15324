// Polls GET /image/<id>/status until the upload is ready or failed, waiting longer between
// polls as time goes on, so a slow worker does not get a stream of requests from every tab.

const FIRST_DELAY_MS = 400;
const MAX_DELAY_MS = 5000;
const BACKOFF = 1.5;
const GIVE_UP_AFTER_MS = 5 * 60 * 1000;

// Calls onStatus(status) after every successful poll. Resolves with the last status, or with
// null when it gave up or was stopped through `signal`.
export async function pollStatus(statusUrl, onStatus, signal) {
  const deadline = Date.now() + GIVE_UP_AFTER_MS;
  let delay = FIRST_DELAY_MS;
  while (!signal.aborted && Date.now() < deadline) {
    const status = await fetchStatus(statusUrl, signal);
    if (status) {
      onStatus(status);
      if (status.state === "ready" || status.state === "failed") {
        return status;
      }
    }
    await sleep(delay, signal);
    delay = Math.min(delay * BACKOFF, MAX_DELAY_MS);
  }
  return null;
}

// A missing upload (e.g. a gallery entry for data that was deleted) counts as failed;
// network trouble and 5xx are retried.
async function fetchStatus(statusUrl, signal) {
  try {
    const response = await fetch(statusUrl, { cache: "no-store", signal });
    if (response.status === 404) {
      return { state: "failed", sizes: {}, error: "This upload is no longer on the server." };
    }
    if (!response.ok) {
      return null;
    }
    return await response.json();
  } catch {
    return null;
  }
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
