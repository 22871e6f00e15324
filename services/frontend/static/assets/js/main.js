// Wires the page: reads the backend endpoint, takes files from the picker, drag-and-drop or
// paste, uploads each one, follows its sizes, and keeps the list of this browser's uploads.

import { copyText } from "./clipboard.js";
import { absoluteUrl, DEFAULT_MAX_UPLOAD_BYTES, loadConfig } from "./config.js";
import { forgetAll, forgetUpload, loadUploads, saveUpload } from "./gallery-store.js";
import { precheck } from "./precheck.js";
import { pollStatus } from "./status-poller.js";
import { UploadCard } from "./upload-card.js";
import { startUpload } from "./upload.js";

const list = document.getElementById("upload-list");
const emptyNote = document.getElementById("gallery-empty");
const clearButton = document.getElementById("clear-gallery");
const announcer = document.getElementById("announcer");
const dropZone = document.getElementById("drop-zone");
const fileInput = document.getElementById("file-input");

// What each card is waiting for (an upload or a status poll), so removing it stops that work.
const pending = new WeakMap();
const cardOf = new WeakMap();

let endpoint = "";
let maxUploadBytes = DEFAULT_MAX_UPLOAD_BYTES;

function announce(message) {
  // Clearing first makes screen readers repeat an identical message.
  announcer.textContent = "";
  window.setTimeout(() => {
    announcer.textContent = message;
  }, 50);
}

function refreshListChrome() {
  const count = list.children.length;
  emptyNote.hidden = count > 0;
  clearButton.hidden = loadUploads().length === 0;
}

function addCard(card, { atTop }) {
  cardOf.set(card.element, card);
  if (atTop) {
    list.prepend(card.element);
  } else {
    list.append(card.element);
  }
  refreshListChrome();
}

function dropCard(card) {
  const work = pending.get(card);
  if (work) {
    work.abort();
  }
  if (card.element.dataset.uploadId) {
    forgetUpload(card.element.dataset.uploadId);
  }
  card.element.remove();
}

function removeCard(card) {
  dropCard(card);
  refreshListChrome();
  announce(`${card.name} removed from the list.`);
}

const copyFeedback = new WeakMap();

// The button says what happened for a moment; it stays enabled so keyboard focus stays on it.
async function onCopy(url, button) {
  const copied = await copyText(url);
  button.textContent = copied ? "Copied" : "Copy failed";
  announce(copied ? "Link copied to the clipboard." : "Could not copy; select the link and copy it by hand.");
  window.clearTimeout(copyFeedback.get(button));
  copyFeedback.set(button, window.setTimeout(() => {
    button.textContent = "Copy";
  }, 1500));
}

async function followSizes(card, entry) {
  const controller = new AbortController();
  pending.set(card, controller);
  const statusUrl = absoluteUrl(endpoint, `/image/${encodeURIComponent(entry.id)}/status`);
  const last = await pollStatus(statusUrl, (status) => card.showStatus(status), controller.signal);
  pending.delete(card);
  if (controller.signal.aborted) {
    return;
  }
  if (!last) {
    card.showStalled();
  } else if (last.state === "ready") {
    announce(`${card.name}: all sizes are ready.`);
  } else {
    announce(`${card.name}: the resized versions failed.`);
  }
}

async function uploadOne(file) {
  const card = new UploadCard({ name: file.name, bytes: file.size, onRemove: removeCard, onCopy });
  addCard(card, { atTop: true });

  const problem = precheck(file, maxUploadBytes);
  if (problem) {
    card.showRejected(problem);
    announce(`${file.name} was not uploaded: ${problem}`);
    return;
  }

  const upload = startUpload(endpoint, file, (fraction) => card.setProgress(fraction));
  pending.set(card, upload);
  let body;
  try {
    body = await upload.done;
  } catch (error) {
    pending.delete(card);
    if (!card.element.isConnected) {
      return; // removed by the user while uploading: nothing left to tell
    }
    card.showRejected(error.message);
    announce(`${file.name} was not uploaded: ${error.message}`);
    return;
  }
  pending.delete(card);
  const entry = {
    id: body.id,
    name: file.name,
    bytes: file.size,
    uploadedAt: new Date().toISOString(),
    urls: {
      original: body.original,
      big: body.big,
      medium: body.medium,
      small: body.small,
      tiny: body.tiny,
    },
  };
  saveUpload(entry);
  card.showUploaded(entry, endpoint);
  refreshListChrome();
  announce(`${file.name} uploaded. Making the resized versions.`);
  await followSizes(card, entry);
}

function uploadAll(files) {
  const chosen = [...files];
  if (chosen.length === 0) {
    return;
  }
  announce(chosen.length === 1 ? `Uploading ${chosen[0].name}.` : `Uploading ${chosen.length} files.`);
  // Oldest first, so the last file chosen ends up on top like the newest upload would.
  for (const file of chosen) {
    uploadOne(file);
  }
}

// A restored gallery (up to 200 entries) is polled a few cards at a time: all at once
// would be a burst of requests that trips the edge's rate limit, for no faster answer.
const RESTORE_POLLS_AT_ONCE = 4;

function restoreGallery() {
  const waiting = [];
  for (const entry of loadUploads()) {
    const card = new UploadCard({ ...entry, onRemove: removeCard, onCopy });
    card.showUploaded(entry, endpoint, { restored: true });
    addCard(card, { atTop: false });
    waiting.push([card, entry]);
  }
  for (let lane = 0; lane < RESTORE_POLLS_AT_ONCE; lane += 1) {
    followInTurn(waiting);
  }
}

async function followInTurn(waiting) {
  while (waiting.length > 0) {
    const [card, entry] = waiting.shift();
    if (card.element.isConnected) {
      await followSizes(card, entry);
    }
  }
}

function wireInputs() {
  fileInput.addEventListener("change", () => {
    uploadAll(fileInput.files);
    // Lets the same file be chosen again.
    fileInput.value = "";
  });

  // The whole zone is a target for a click too, not only the button.
  dropZone.addEventListener("click", (event) => {
    if (!event.target.closest("label, input")) {
      fileInput.click();
    }
  });

  let depth = 0;
  dropZone.addEventListener("dragenter", (event) => {
    event.preventDefault();
    depth += 1;
    dropZone.classList.add("is-dragging");
  });
  dropZone.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) {
      dropZone.classList.remove("is-dragging");
    }
  });
  dropZone.addEventListener("dragover", (event) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  });
  dropZone.addEventListener("drop", (event) => {
    event.preventDefault();
    depth = 0;
    dropZone.classList.remove("is-dragging");
    uploadAll(event.dataTransfer.files);
  });
  // A file dropped next to the zone would otherwise replace the page with the image.
  for (const type of ["dragover", "drop"]) {
    window.addEventListener(type, (event) => event.preventDefault());
  }

  document.addEventListener("paste", (event) => {
    const files = event.clipboardData ? event.clipboardData.files : [];
    if (files.length > 0) {
      uploadAll(files);
    }
  });

  clearButton.addEventListener("click", () => {
    for (const item of [...list.querySelectorAll(".card[data-upload-id]")]) {
      dropCard(cardOf.get(item));
    }
    forgetAll();
    refreshListChrome();
    announce("The list of uploads was cleared from this browser.");
  });
}

async function start() {
  try {
    ({ endpoint, maxUploadBytes } = await loadConfig());
  } catch (error) {
    announce(`Could not load the configuration (${error.message}); using this site as the backend.`);
  }
  wireInputs();
  restoreGallery();
  refreshListChrome();
  document.body.dataset.ready = "true";
}

start();
