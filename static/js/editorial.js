"use strict";
// The statement form: choosing a speaker (or adding one with +) fills in "role at the time"
// with the role they held on the date said, if their recorded roles say, else their current
// role, unless the editor has typed a role of their own.
(function ($) {
  $(function () {
    const speaker = $("#id_speaker");
    const role = document.getElementById("id_speaker_role");
    if (!speaker.length || !role || !role.dataset.speakerRoleUrl) {
      return;
    }
    let filled = role.value;
    const editorTypedOwnRole = () => role.value !== "" && role.value !== filled;

    speaker.on("change", function () {
      const id = speaker.val();
      if (!id || editorTypedOwnRole()) {
        return;
      }
      const said = document.getElementById("id_said_on");
      let url = role.dataset.speakerRoleUrl + "?speaker=" + encodeURIComponent(id);
      if (said && /^\d{4}-\d{2}-\d{2}$/.test(said.value)) {
        url += "&on=" + encodeURIComponent(said.value);
      }
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : null))
        .then((data) => {
          if (data && !editorTypedOwnRole()) {
            role.value = data.role;
            filled = data.role;
          }
        });
    });
  });
})(django.jQuery);
