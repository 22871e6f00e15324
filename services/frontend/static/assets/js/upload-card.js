// One entry of the list: a file being uploaded, an upload whose sizes are being made, a
// finished upload with its thumbnails and links, or a rejected file with the reason.

import { absoluteUrl } from "./config.js";
import { formatBytes } from "./precheck.js";

// Longest side in pixels, as the backend renders them (services/src/imagehost/sizes.py).
const SIZES = [["big", 1024], ["medium", 512], ["small", 256], ["tiny", 128]];
const LINKS = ["original", ...SIZES.map(([name]) => name)];

export class UploadCard {
  constructor({ name, bytes, uploadedAt, onRemove, onCopy }) {
    this.name = name;
    this.onCopy = onCopy;
    this.element = cloneTemplate("upload-card");
    this.element.dataset.state = "uploading";
    this.part(".card-name").textContent = name;
    this.meta = [formatBytes(bytes)];
    if (uploadedAt) {
      this.meta.push(formatDate(uploadedAt));
    }
    this.renderMeta();
    this.progress = this.part(".card-progress");
    this.progress.setAttribute("aria-label", `Upload progress of ${name}`);
    this.status = this.part(".card-status");
    this.remove = this.part(".card-remove");
    this.remove.setAttribute("aria-label", `Remove ${name} from the list`);
    this.remove.addEventListener("click", () => onRemove(this));
    this.tiles = new Map();
  }

  part(selector) {
    return this.element.querySelector(selector);
  }

  setProgress(fraction) {
    const percent = Math.round(fraction * 100);
    this.progress.value = percent;
    this.setStatus(percent < 100 ? `Uploading… ${percent}%` : "Uploaded, waiting for the server…");
  }

  // The backend accepted the file: show where every size will be, then fill them in.
  showUploaded(entry, endpoint, { restored = false } = {}) {
    this.element.dataset.state = "processing";
    this.element.dataset.uploadId = entry.id;
    this.endpoint = endpoint;
    this.urls = entry.urls;
    this.lazy = restored;
    this.progress.value = 100;
    this.progress.hidden = restored;
    this.meta.push(entry.id);
    this.renderMeta();
    this.setStatus("Making the resized versions…");
    this.renderTiles();
    this.renderLinks();
  }

  showStatus(status) {
    for (const [name, tile] of this.tiles) {
      const state = (status.sizes && status.sizes[name]) || status.state;
      this.updateTile(tile, name, state);
    }
    const ready = [...this.tiles.values()].filter((tile) => tile.dataset.state === "ready").length;
    if (status.state === "ready") {
      this.element.dataset.state = "ready";
      this.setStatus("Ready: all four sizes are online.");
    } else if (status.state === "failed") {
      this.element.dataset.state = "failed";
      this.setStatus(status.error || "The server could not make the resized versions.", "error");
    } else {
      this.setStatus(`Making the resized versions… ${ready} of ${this.tiles.size} ready.`);
    }
  }

  showStalled() {
    this.setStatus("Still processing. Reload the page later to check again.");
  }

  showRejected(message) {
    this.element.dataset.state = "rejected";
    this.progress.hidden = true;
    this.setStatus(message, "error");
  }

  setStatus(text, tone = "") {
    this.status.textContent = text;
    this.status.dataset.tone = tone;
  }

  renderMeta() {
    this.part(".card-meta").textContent = this.meta.join(" · ");
  }

  renderTiles() {
    const list = this.part(".sizes");
    for (const [name, longestSide] of SIZES) {
      const tile = cloneTemplate("size-tile");
      tile.dataset.size = name;
      tile.querySelector(".size-name").textContent = name;
      tile.querySelector(".size-dims").textContent = `≤ ${longestSide}px`;
      this.tiles.set(name, tile);
      list.append(tile);
    }
  }

  updateTile(tile, name, state) {
    if (tile.dataset.state === "ready" || tile.dataset.state === state) {
      return;
    }
    tile.dataset.state = state;
    const frame = tile.querySelector(".size-frame");
    if (state === "failed") {
      frame.replaceChildren(textNode("failed"));
    } else if (state === "ready") {
      const image = document.createElement("img");
      image.alt = `${this.name}, ${name} size`;
      image.decoding = "async";
      if (this.lazy) {
        image.loading = "lazy";
      }
      image.addEventListener("load", () => {
        tile.dataset.loaded = "true";
        tile.querySelector(".size-dims").textContent = `${image.naturalWidth}×${image.naturalHeight}`;
      });
      image.src = absoluteUrl(this.endpoint, this.urls[name]);
      frame.replaceChildren(image);
    }
  }

  renderLinks() {
    const list = this.part(".links");
    for (const name of LINKS) {
      const url = absoluteUrl(this.endpoint, this.urls[name]);
      const row = cloneTemplate("link-row");
      row.dataset.size = name;
      row.querySelector(".link-label").textContent = name;
      const anchor = row.querySelector(".link-url");
      anchor.href = url;
      // The scheme adds nothing to read and pushes the end of the URL onto a new line on phones.
      anchor.textContent = url.replace(/^https?:\/\//, "");
      anchor.setAttribute("aria-label", `${name} size of ${this.name}: ${url}`);
      const button = row.querySelector(".copy-button");
      button.setAttribute("aria-label", `Copy the link to the ${name} size of ${this.name}`);
      button.addEventListener("click", () => this.onCopy(url, button));
      list.append(row);
    }
  }
}

function cloneTemplate(id) {
  return document.getElementById(id).content.firstElementChild.cloneNode(true);
}

function textNode(text) {
  const span = document.createElement("span");
  span.className = "size-note";
  span.textContent = text;
  return span;
}

function formatDate(isoDate) {
  const date = new Date(isoDate);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
}
