// Passkeys in the Convene console: the one script of the console, loaded
// by the pages that offer passkeys (the sign-in page, the account page).
// Everything else works without it. A form marked data-passkey is hidden
// until this script shows it, and only in a browser with WebAuthn; the
// hint beside it (data-passkey-unavailable) says why when it stays hidden.
//
// A ceremony is two POSTs of the form's fields (its CSRF token among
// them): to data-begin, which answers the WebAuthn options as JSON, and,
// after the browser made or used a passkey, to the form's action with the
// result in the field "credential", which answers {"redirect": url}.
// A refusal is one of the console's error pages: its text is shown. What
// the script says is in the page's language, in the form's data-say-*
// attributes (data-say-refused has "{status}" for the HTTP status).
(function () {
  "use strict";

  var forms = document.querySelectorAll("form[data-passkey]");
  if (!forms.length) {
    return;
  }
  if (!window.PublicKeyCredential || !navigator.credentials || !window.fetch || !window.URLSearchParams) {
    return; // the forms stay hidden, the hints shown
  }

  function fromB64url(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) {
      s += "=";
    }
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out.buffer;
  }

  function toB64url(buf) {
    if (!buf) {
      return null;
    }
    var bytes = new Uint8Array(buf);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) {
      bin += String.fromCharCode(bytes[i]);
    }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (d) {
      var out = { type: d.type, id: fromB64url(d.id) };
      if (d.transports) {
        out.transports = d.transports;
      }
      return out;
    });
  }

  // The options the server sent, with the bytes the browser wants.
  function creationOptions(json) {
    var pk = json.publicKey;
    pk.challenge = fromB64url(pk.challenge);
    pk.user.id = fromB64url(pk.user.id);
    pk.excludeCredentials = descriptors(pk.excludeCredentials);
    return { publicKey: pk };
  }

  function requestOptions(json) {
    var pk = json.publicKey;
    pk.challenge = fromB64url(pk.challenge);
    if (pk.allowCredentials) {
      pk.allowCredentials = descriptors(pk.allowCredentials);
    }
    return { publicKey: pk };
  }

  // What the browser made, as the server reads it (WebAuthn's JSON form).
  function credentialJSON(cred) {
    var r = cred.response;
    var out = {
      id: cred.id,
      rawId: toB64url(cred.rawId),
      type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: toB64url(r.clientDataJSON) }
    };
    if (r.attestationObject) {
      out.response.attestationObject = toB64url(r.attestationObject);
      out.response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      out.response.authenticatorData = toB64url(r.authenticatorData);
      out.response.signature = toB64url(r.signature);
      out.response.userHandle = toB64url(r.userHandle);
    }
    return JSON.stringify(out);
  }

  // refusal reads the text of an error page (or says what the status
  // means when there is none, in the form's words).
  function refusal(res, form) {
    return res.text().then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var paras = doc.querySelectorAll("main p");
      var text = [];
      for (var i = 0; i < paras.length; i++) {
        text.push(paras[i].textContent.trim());
      }
      var heading = doc.querySelector("main h1");
      if (!text.length && heading) {
        text.push(heading.textContent.trim());
      }
      throw new Error(text.join(" ") || says(form, "refused").replace("{status}", String(res.status)));
    });
  }

  // says is one of the form's sentences (data-say-<name>).
  function says(form, name) {
    return form.getAttribute("data-say-" + name) || "";
  }

  function post(url, fields, form) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json" },
      body: fields.toString()
    }).then(function (res) {
      if (!res.ok) {
        return refusal(res, form);
      }
      return res.json();
    });
  }

  function run(form) {
    var status = form.querySelector(".passkey-status");
    var button = form.querySelector("button[type=submit]");
    var register = form.getAttribute("data-passkey") === "register";
    var say = function (text, isError) {
      status.textContent = text;
      status.classList.toggle("error", !!isError);
    };
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      button.disabled = true;
      say(says(form, "working"));
      var fields = new URLSearchParams(new FormData(form));
      post(form.getAttribute("data-begin"), fields, form)
        .then(function (json) {
          return register
            ? navigator.credentials.create(creationOptions(json))
            : navigator.credentials.get(requestOptions(json));
        })
        .then(function (cred) {
          if (!cred) {
            throw new Error(says(form, "none"));
          }
          fields.set("credential", credentialJSON(cred));
          say(says(form, "checking"));
          return post(form.getAttribute("action"), fields, form);
        })
        .then(function (done) {
          window.location.assign(done.redirect);
        })
        .catch(function (err) {
          var text = err && err.message ? err.message : String(err);
          if (err && (err.name === "NotAllowedError" || err.name === "AbortError")) {
            text = says(form, "cancelled");
          } else if (err && err.name === "InvalidStateError") {
            text = says(form, "exists");
          }
          say(text, true);
          button.disabled = false;
        });
    });
  }

  for (var i = 0; i < forms.length; i++) {
    forms[i].hidden = false;
    run(forms[i]);
    var section = forms[i].parentNode;
    var hints = section.querySelectorAll("[data-passkey-unavailable]");
    for (var j = 0; j < hints.length; j++) {
      hints[j].hidden = true;
    }
  }
})();
