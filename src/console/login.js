// Signs the console in with the operator's token; the host answers with a session cookie
// (HttpOnly, SameSite=Strict) that the console's later requests carry.
const form = document.getElementById("sign-in");
const notice = document.getElementById("notice");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  notice.textContent = "";
  const token = form.elements.namedItem("token").value.trim();
  const response = await fetch("/api/auth/session", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token }),
  });
  if (response.ok) {
    location.assign("/");
    return;
  }
  const problem = await response.json().catch(() => ({}));
  notice.textContent = problem.detail ?? `sign-in failed (${response.status})`;
  notice.classList.add("bad");
});
