// Sends the notification upload form with XMLHttpRequest so that a <progress> bar shows a large
// file going up. Without JavaScript the same form posts normally and the server redirects.

function showPage(html) {
  const next = new DOMParser().parseFromString(html, "text/html");
  const main = next.querySelector("main");
  if (!main) {
    return false;
  }
  document.querySelector("main").replaceWith(main);
  document.title = next.title;
  const summary = main.querySelector(".govuk-error-summary");
  if (summary) {
    summary.setAttribute("tabindex", "-1");
    summary.focus();
  }
  enhance(main.querySelector("form[data-upload-form]"));
  return true;
}

function enhance(form) {
  if (!form || !window.FormData) {
    return;
  }
  const group = form.querySelector("[data-upload-progress]");
  const bar = group.querySelector("progress");
  const status = form.querySelector("#upload-status");
  const button = form.querySelector("button[type=submit]");

  function failed(message) {
    group.hidden = true;
    button.disabled = false;
    status.textContent = message;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    request.upload.onprogress = (progress) => {
      if (progress.lengthComputable) {
        const percent = Math.round((progress.loaded / progress.total) * 100);
        bar.value = percent;
        status.textContent = `Uploading: ${percent}%`;
      }
    };
    request.upload.onload = () => {
      bar.removeAttribute("value");
      status.textContent = "File received. Checking the file…";
    };
    request.onload = () => {
      if (request.status === 201) {
        window.location.assign(JSON.parse(request.responseText).report_url);
      } else if (request.responseURL && new URL(request.responseURL).pathname !== window.location.pathname) {
        window.location.assign(request.responseURL);
      } else if (!showPage(request.responseText)) {
        failed("The upload failed. Try again.");
      }
    };
    request.onerror = () => failed("The upload failed: check your connection and try again.");
    group.hidden = false;
    bar.value = 0;
    button.disabled = true;
    status.textContent = "Uploading…";
    request.send(new FormData(form));
  });
}

enhance(document.querySelector("form[data-upload-form]"));
