// Saves each answer as soon as it changes (PUT to the attempt API), so nothing is lost if the
// time runs out or the page closes; the server still owns the clock and grades what it holds.
document.querySelectorAll("form[data-autosave]").forEach((form) => {
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const status = document.getElementById("autosave-status");
  form.addEventListener("change", async (event) => {
    const field = event.target.closest("fieldset[data-question]");
    if (!field) return;
    const kind = field.dataset.kind;
    let value;
    if (kind === "multiple") {
      value = [...field.querySelectorAll("input:checked")].map((input) => Number(input.value));
    } else if (kind === "single") {
      const chosen = field.querySelector("input:checked");
      if (!chosen) return;
      value = Number(chosen.value);
    } else {
      value = field.querySelector("input").value;
      if (!value.trim()) return;
    }
    const url = form.dataset.autosave.replace(/\/answers\/0\/$/, `/answers/${field.dataset.question}/`);
    const response = await fetch(url, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ value }),
    });
    const body = await response.json();
    status.textContent = response.ok ? form.dataset.saved : Object.values(body).flat().join(" ");
  });
});
