// One upload to POST /image with XMLHttpRequest: unlike fetch, it reports upload progress.

export class UploadError extends Error {}

// Returns { done, abort }. `done` resolves with the backend's 201 body, or rejects with an
// UploadError whose message can be shown as is (the server's own `error` text when it sent one).
export function startUpload(endpoint, file, onProgress) {
  const request = new XMLHttpRequest();
  const done = new Promise((resolve, reject) => {
    request.open("POST", `${endpoint}/image`);
    request.responseType = "text";
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) {
        onProgress(event.loaded / event.total);
      }
    });
    request.addEventListener("load", () => {
      const body = parseJson(request.responseText);
      if (request.status === 201 && body && body.id) {
        onProgress(1);
        resolve(body);
      } else {
        reject(new UploadError(describeFailure(request.status, body)));
      }
    });
    request.addEventListener("error", () => {
      reject(new UploadError("Could not reach the server. Check your connection and try again."));
    });
    request.addEventListener("abort", () => reject(new UploadError("Upload cancelled.")));
    const form = new FormData();
    form.append("file", file, file.name);
    request.send(form);
  });
  return { done, abort: () => request.abort() };
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

// A proxy in front of the backend may answer without JSON (e.g. its own 413 or 502).
function describeFailure(status, body) {
  if (body && typeof body.error === "string" && body.error) {
    return body.error;
  }
  if (status === 413) {
    return "This file is too large for the server.";
  }
  if (status >= 500) {
    return `The server had a problem (HTTP ${status}). Try again in a moment.`;
  }
  return `The upload was refused (HTTP ${status}).`;
}
