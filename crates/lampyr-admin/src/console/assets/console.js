// Lampyr console: turns forms and buttons carrying data-api="METHOD /admin/v1/..." into
// fetch() calls to the admin JSON API with the page's CSRF token. No inline script anywhere
// (the Content-Security-Policy forbids it); the server renders everything else.
(function () {
  'use strict';

  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute('content') : '';

  function flash(message, ok) {
    var el = document.getElementById('flash');
    if (!el) { return; }
    el.textContent = message;
    el.className = ok ? 'ok' : 'error';
    el.hidden = false;
  }

  function split(spec) {
    var i = spec.indexOf(' ');
    return { method: spec.slice(0, i), url: spec.slice(i + 1) };
  }

  function call(spec, body) {
    var s = split(spec);
    var init = {
      method: s.method,
      credentials: 'same-origin',
      headers: { 'X-CSRF-Token': csrf }
    };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(s.url, init).then(function (r) {
      return r.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (!r.ok) {
          var msg = data && data.error ? data.error : 'HTTP ' + r.status;
          if (data && data.errors) {
            msg += ': ' + data.errors.map(function (e) { return e.at + ': ' + e.message; }).join('; ');
          }
          throw new Error(msg);
        }
        return data;
      });
    });
  }

  function value(el) {
    if (el.type === 'checkbox') { return el.checked; }
    if (el.getAttribute('data-type') === 'number') { return Number(el.value); }
    if (el.getAttribute('data-type') === 'list') {
      return el.value.split(',').map(function (x) { return x.trim(); }).filter(function (x) { return x !== ''; });
    }
    return el.value;
  }

  function fields(elements, body) {
    for (var i = 0; i < elements.length; i++) {
      var el = elements[i];
      // A textarea marked data-json-body is the whole body, as JSON text.
      if (el.hasAttribute && el.hasAttribute('data-json-body')) { return JSON.parse(el.value); }
      if (!el.name || el.disabled || el.type === 'submit' || el.type === 'button') { continue; }
      if (el.value === '' && !el.hasAttribute('data-keep-empty')) { continue; }
      body[el.name] = value(el);
    }
    return body;
  }

  // After success: show a key returned once, or reload the page.
  function done(el, data) {
    var show = el.getAttribute('data-show');
    if (show && data) {
      var names = show.split(',');
      for (var i = 0; i < names.length; i++) {
        if (data[names[i]]) {
          var box = document.getElementById('new-key-box');
          var key = document.getElementById('new-key');
          if (box && key) {
            key.textContent = data[names[i]];
            box.hidden = false;
            flash('Copy the new secret now: it is shown only once.', true);
            return;
          }
        }
      }
    }
    window.location.reload();
  }

  // A form carrying data-upload="POST /admin/v1/..." sends a document as the raw body (a
  // chosen file, else the textarea), with its name input as ?name=.
  function upload(form) {
    var s = split(form.getAttribute('data-upload'));
    var file = form.querySelector('input[type="file"]');
    var text = form.querySelector('textarea');
    var name = form.querySelector('input[name="name"]');
    var read = (file && file.files && file.files.length)
      ? file.files[0].text()
      : Promise.resolve(text ? text.value : '');
    var buttons = form.querySelectorAll('button');
    for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = true; }
    read.then(function (doc) {
      if (!doc.trim()) { throw new Error('Choose a file or paste a document first.'); }
      var url = s.url + (name && name.value.trim() ? '?name=' + encodeURIComponent(name.value.trim()) : '');
      var json = doc.trim().charAt(0) === '{';
      return fetch(url, {
        method: s.method,
        credentials: 'same-origin',
        headers: { 'X-CSRF-Token': csrf, 'Content-Type': json ? 'application/json' : 'application/yaml' },
        body: doc
      }).then(function (r) {
        return r.text().then(function (body) {
          var data = null;
          try { data = body ? JSON.parse(body) : null; } catch (e) { data = null; }
          if (!r.ok) { throw new Error(data && data.error ? data.error : 'HTTP ' + r.status); }
          return data;
        });
      });
    }).then(function () {
      window.location.reload();
    }).catch(function (e) {
      flash(e.message, false);
      for (var j = 0; j < buttons.length; j++) { buttons[j].disabled = false; }
    });
  }

  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (form.hasAttribute('data-upload')) {
      ev.preventDefault();
      upload(form);
      return;
    }
    if (form.hasAttribute('data-actor-form')) {
      ev.preventDefault();
      var input = form.querySelector('input[name="actor"]');
      if (input && input.value) {
        window.location.href = '/actors/' + encodeURIComponent(input.value.trim());
      }
      return;
    }
    var spec = form.getAttribute('data-api');
    if (!spec) { return; }
    ev.preventDefault();
    var body;
    try { body = fields(form.elements, {}); } catch (e) { flash('Invalid JSON: ' + e.message, false); return; }
    var buttons = form.querySelectorAll('button');
    for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = true; }
    call(spec, body).then(function (data) {
      done(form, data);
    }).catch(function (e) {
      flash(e.message, false);
      for (var j = 0; j < buttons.length; j++) { buttons[j].disabled = false; }
    });
  });

  document.addEventListener('click', function (ev) {
    var target = ev.target;
    if (target && target.id === 'new-key-done') {
      window.location.reload();
      return;
    }
    var btn = target && target.closest ? target.closest('button[data-api]') : null;
    if (!btn) { return; }
    var question = btn.getAttribute('data-confirm');
    if (question && !window.confirm(question)) { return; }
    var body;
    var raw = btn.getAttribute('data-body');
    if (raw) { body = JSON.parse(raw); }
    var inputs = btn.getAttribute('data-inputs');
    if (inputs) {
      var els = inputs.split(',').map(function (id) { return document.getElementById(id); })
        .filter(function (el) { return el; });
      body = fields(els, body || {});
    }
    btn.disabled = true;
    call(btn.getAttribute('data-api'), body).then(function (data) {
      done(btn, data);
    }).catch(function (e) {
      flash(e.message, false);
      btn.disabled = false;
    });
  });
}());
