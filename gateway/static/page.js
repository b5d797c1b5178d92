// The pages' own lines, appended to the DSFR script (gateway/assets.py): the
// Content-Security-Policy allows no inline script.
//
// A form that comes back with errors: its error summary (_forms.html,
// `form_errors`, tabindex="-1") takes the focus, as the DSFR pattern wants, so
// a screen reader reads it first and the keyboard starts from it. Its
// `autofocus` does this without script; this covers a browser that ignores
// autofocus on an element that is not a form control.
{
  const summary = document.getElementById("erreurs");
  if (summary && (document.activeElement === null || document.activeElement === document.body)) {
    summary.focus();
  }
}
