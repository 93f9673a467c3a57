// The province picker submits on change (a script file: the Content-Security-Policy allows no inline handlers).
document.addEventListener("DOMContentLoaded", function () {
  var select = document.getElementById("id_province");
  if (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  }
});
