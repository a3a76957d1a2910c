(function () {
  var kind = document.getElementById("filter-kind");
  var segment = document.getElementById("filter-segment");
  var text = document.getElementById("filter-text");
  var count = document.getElementById("filter-count");
  var cards = Array.prototype.slice.call(document.querySelectorAll(".failure"));
  if (!kind) { return; }
  function apply() {
    var k = kind.value, s = segment.value, t = text.value.trim().toLowerCase();
    var shown = 0;
    cards.forEach(function (card) {
      var kinds = card.getAttribute("data-kinds").split(" ");
      var segments = JSON.parse(card.getAttribute("data-segments") || "[]");
      var ok = (!k || kinds.indexOf(k) >= 0) && (!s || segments.indexOf(s) >= 0) &&
               (!t || card.textContent.toLowerCase().indexOf(t) >= 0);
      card.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + " of " + cards.length + " failures shown";
  }
  kind.addEventListener("change", apply);
  segment.addEventListener("change", apply);
  text.addEventListener("input", apply);
  Array.prototype.forEach.call(document.querySelectorAll("[data-show-segment]"), function (b) {
    b.addEventListener("click", function () {
      var value = JSON.parse(b.getAttribute("data-show-segment"));
      var known = Array.prototype.some.call(segment.options, function (o) {
        return o.value === value;
      });
      if (!known) {
        var option = document.createElement("option");
        option.value = value;
        option.textContent = value + " (0)";
        segment.appendChild(option);
      }
      segment.value = value;
      kind.value = "";
      text.value = "";
      apply();
      document.getElementById("failures").scrollIntoView();
    });
  });
  apply();
})();
