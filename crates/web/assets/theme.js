// lazypm: applies the chosen theme before the page paints (light, dark, or
// the system's when none was chosen).
(function () {
  try {
    var t = localStorage.getItem("lazypm-theme");
    if (t === "light" || t === "dark") document.documentElement.dataset.theme = t;
  } catch (e) { /* storage may be off: follow the system */ }
})();
