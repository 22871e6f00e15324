// Where the backend is. /config.json is written when the frontend container starts;
// an empty endpoint means the backend answers on this same origin (/image* routed to it).

export async function loadConfig() {
  const response = await fetch("config.json", { cache: "no-store" });
  if (!response.ok) {
    throw new Error(`config.json: HTTP ${response.status}`);
  }
  const config = await response.json();
  const endpoint = typeof config.endpoint === "string" ? config.endpoint.trim() : "";
  return { endpoint: endpoint.replace(/\/+$/, "") };
}

// The backend answers with paths like /image/<id>/big; people need links that work anywhere.
export function absoluteUrl(endpoint, path) {
  return (endpoint || window.location.origin) + path;
}
