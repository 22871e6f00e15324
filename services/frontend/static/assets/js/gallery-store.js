// This browser's uploads, newest first, kept in localStorage. Only what the backend returned
// is stored (id and relative URLs), so the list survives an endpoint change.

const KEY = "imgr.uploads.v1";
const MAX_ENTRIES = 200;

export function loadUploads() {
  try {
    const entries = JSON.parse(localStorage.getItem(KEY) || "[]");
    return Array.isArray(entries) ? entries.filter(isEntry) : [];
  } catch {
    return [];
  }
}

export function saveUpload(entry) {
  const entries = [entry, ...loadUploads().filter((other) => other.id !== entry.id)];
  write(entries.slice(0, MAX_ENTRIES));
}

export function forgetUpload(id) {
  write(loadUploads().filter((entry) => entry.id !== id));
}

export function forgetAll() {
  write([]);
}

function write(entries) {
  try {
    localStorage.setItem(KEY, JSON.stringify(entries));
  } catch {
    // Storage full or disabled (private mode): the gallery just does not persist.
  }
}

function isEntry(entry) {
  return entry && typeof entry.id === "string" && entry.urls && typeof entry.urls.original === "string";
}
