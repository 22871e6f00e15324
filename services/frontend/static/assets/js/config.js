// Where the backend is. /config.json is written when the frontend container starts;
// an empty endpoint means the backend answers on this same origin (/image* routed to it).

// The backend's MAX_UPLOAD_BYTES, unless config.json says otherwise.
export const DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

export async function loadConfig() {
  const response = await fetch("config.json", { cache: "no-store" });
  if (!response.ok) {
    throw new Error(`config.json: HTTP ${response.status}`);
  }
  const config = await response.json();
  const endpoint = typeof config.endpoint === "string" ? config.endpoint.trim() : "";
  const limit = config.max_upload_bytes;
  const maxUploadBytes = Number.isSafeInteger(limit) && limit > 0 ? limit : DEFAULT_MAX_UPLOAD_BYTES;
  return { endpoint: endpoint.replace(/\/+$/, ""), maxUploadBytes };
}

// The backend answers with paths like /image/<id>/big; people need links that work anywhere.
export function absoluteUrl(endpoint, path) {
  return (endpoint || window.location.origin) + path;
}
