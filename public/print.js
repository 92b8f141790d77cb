// The note page's « Imprimer » button: shown only when this script runs (without it, the browser's own
// print command still works), and printed through public/print.css.
const button = document.getElementById("imprimer");
if (button) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
