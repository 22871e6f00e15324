// Rejects files that obviously cannot be accepted before sending a byte. The server sniffs
// the real content and has the last word; this only saves people a pointless wait.

// `maxBytes`: the backend's limit, from /config.json.
export function precheck(file, maxBytes) {
  if (file.size === 0) {
    return "This file is empty.";
  }
  if (file.size > maxBytes) {
    return `This file is ${formatBytes(file.size)}; the limit is ${formatBytes(maxBytes)}.`;
  }
  // An empty type means the browser does not know: let the server decide.
  if (file.type && !file.type.startsWith("image/")) {
    return "This is not an image. Accepted: JPEG, PNG, GIF, WebP, AVIF.";
  }
  if (file.type === "image/svg+xml") {
    return "SVG drawings are not accepted. Accepted: JPEG, PNG, GIF, WebP, AVIF.";
  }
  return null;
}

export function formatBytes(bytes) {
  if (bytes < 1024) {
    return `${bytes} B`;
  }
  const units = ["KiB", "MiB", "GiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
