// Keeps an upload's progress page up to date while its rows are stored in the background: polls
// the small JSON endpoint, moves the <progress> bar and the counts, announces every tenth of the
// way to screen readers, and reloads the page for the report once the upload has ended.
// Without JavaScript the page says to refresh it.

const POLL_MS = 2000;
const RETRY_MS = 10000;

const group = document.querySelector("[data-upload-progress]");

function show(progress) {
  const bar = group.querySelector("progress");
  bar.max = progress.rows_total;
  bar.value = progress.rows_processed;
  bar.textContent = `${progress.percent}%`;
  document.getElementById("upload-progress-text").textContent = progress.summary;
  const counts = {
    "rows-total": progress.rows_total,
    "rows-created": progress.rows_created,
    "rows-duplicate": progress.rows_duplicate,
    "rows-refused": progress.rows_rejected,
  };
  for (const [id, value] of Object.entries(counts)) {
    document.getElementById(id).textContent = value;
  }
}

if (group) {
  const announcement = document.getElementById("upload-progress-announcement");
  let announcedTenths = Math.floor(group.querySelector("progress").position * 10);

  async function poll() {
    let progress;
    try {
      const response = await fetch(group.dataset.progressUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) {
        throw new Error(`progress answered ${response.status}`);
      }
      progress = await response.json();
    } catch {
      window.setTimeout(poll, RETRY_MS);
      return;
    }
    if (progress.finished) {
      announcement.textContent = "Upload finished. Loading the report.";
      window.location.reload();
      return;
    }
    show(progress);
    const tenths = Math.floor(progress.percent / 10);
    if (tenths > announcedTenths) {
      announcedTenths = tenths;
      announcement.textContent = progress.summary;
    }
    window.setTimeout(poll, POLL_MS);
  }

  window.setTimeout(poll, POLL_MS);
}
