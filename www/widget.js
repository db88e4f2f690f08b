/*
 * zChat widget embed loader. A site adds one tag:
 *   <script src="https://RELAY/widget.js" data-department="1" async></script>
 * Settings (data-*, README "Embedding"): department | departments ("1:Sales,2:Support"), lang
 * (pt-BR, en, es), title, color (#rgb, #rrggbb), side (right, left), offset-x, offset-y (px),
 * z-index, fields ("name*,email,phone,cpf"; * = required), extra (a JSON object zChat returns in
 * its webhooks), preload (idle: the chat made when the browser is idle; intent: nothing before
 * hover, focus or click; without it, the chat is made once the visitor stirs), customer-key and signature (a verified customer), tags ("1,7"), page-context
 * (off, full), consent (required: nothing is loaded or stored until zchat('consent', true)), hours
 * ("mon-fri 09:00-18:00; sat 09:00-13:00") and timezone (the team's, "America/Sao_Paulo"), theme
 * (light, dark, auto), sound and title-alert (off: no chime, no title alert for the visitor who
 * looks away). An
 * invalid setting is one console error naming it, and no widget.
 *
 * The launcher lives in a shadow root on an element beside <body>: the page's CSS cannot reach
 * it, and a single-page app that swaps its body keeps it. The chat is an iframe from the relay,
 * created on intent (hover, focus, click), when the browser is idle if a conversation is under way
 * or the site asked for it (data-preload="idle"), or at once when the page opens the chat.
 * Loader and frame talk by postMessage with explicit target origins, checking origin and source.
 *
 * JS API, usable before this file loads (README, "The JS API"); the one global is `zchat`:
 *   zchat('open' | 'close' | 'toggle' | 'destroy'), zchat('setCustomer', {name, email, phone, cpf}),
 *   zchat('setExtra', {...}), zchat('identify', {customer_key, signature, name, email, phone, cpf}),
 *   zchat('setTags', [...]), zchat('setHistory', {messages, signature}), zchat('logout'),
 *   zchat('forget'), zchat('consent', bool),
 *   zchat('on', event, fn) -> unsubscribe, zchat('off', event, fn);
 *   events: ready, open, close, message, unread, state, sound (the chime played in this tab).
 * Minified by the build (Trunk.toml's hook); its budget is 2.5 KB brotli (BENCHMARKS.md).
 */
(function (win, doc) {
  var script = doc.currentScript;
  var stub = win.zchat;
  if (!script || (stub && stub.loaded)) return;

  function complain(what) {
    console.error("zChat widget: " + what);
  }
  function attr(name) {
    var value = script.getAttribute("data-" + name);
    return value && value.trim();
  }
  function parse(text) {
    try { return JSON.parse(text); } catch (e) { /* not JSON: undefined */ }
  }
  function isObject(value) {
    return value && typeof value == "object" && !Array.isArray(value);
  }

  // --- Settings: the first bad one is named, and nothing is shown -----------------------------
  var number = /^\d{1,3}$/;
  // The settings this loader uses, each with its rule (the README's table says what each takes).
  // The frame's own (department, departments, title, fields, lang) go to it as they are: it checks
  // them and names a bad one in the console, and in place of the chat.
  var rules = {
    color: /^#([\da-f]{3}){1,2}$/i,
    side: /^(right|left)$/,
    "offset-x": number,
    "offset-y": number,
    "z-index": /^\d{1,10}$/,
    preload: /^(idle|intent)$/,
    "page-context": /^(off|full)$/,
    consent: /^required$/
  };
  var set = {};
  for (var name in rules) {
    var value = attr(name);
    if (value != null && (!rules[name].test(value) || value > 2147483647)) {
      return complain("data-" + name + '="' + value + '" is not valid: see the README');
    }
    set[name] = value;
  }
  // What the page says for its conversations, which the frame gets whole each time: data-extra as
  // written (JSON; setExtra's object replaces it), a verified customer (README, "Verified
  // customers"), tags, the form's answers (setCustomer), a bot's transcript (setHistory). The frame
  // and the relay check them all.
  var site = {
    extra: attr("extra"),
    identity: attr("customer-key") && { customer_key: attr("customer-key"), signature: attr("signature") },
    tags: attr("tags") && attr("tags").split(",")
  };
  // Consent required: no frame, no storage, no launcher until the site's banner says so.
  var consented = !set.consent;
  // How many times the page asked to forget this device: the frame forgets when it grows.
  var forgets = 0;

  var relay = new URL(script.src).origin;
  var params = new URLSearchParams({ host: location.origin });
  "department departments title fields lang color hours timezone theme sound title-alert".split(" ").forEach(function (name) {
    if (attr(name)) params.set(name, attr(name));
  });
  var x = +(set["offset-x"] || 20);
  var y = +(set["offset-y"] || 20);
  // Above everything, the page's highest z-index included: equal ones lose to us, who come later.
  var z = set["z-index"] || 2147483647;
  var color = set.color || "#2f6fed";
  var side = (set.side || "right") + ":" + x + "px;";

  // --- State --------------------------------------------------------------------------------
  var frame, ready, open, started;
  var listeners = Object.create(null);
  var EVENTS = "ready open close message unread state sound".split(" ");
  EVENTS.forEach(function (name) { listeners[name] = []; });
  // In the host page's storage, with data-preload="intent": a conversation under way, for which
  // the frame comes without waiting for intent on the site's next page.
  var ACTIVE = "zchat:active";
  // `remember(0, "zchat:")` removes every key of the widget's here.
  function remember(value, prefix) {
    try {
      if (value == null) return consented && localStorage[ACTIVE];
      if (value) consented && (localStorage[ACTIVE] = 1);
      else for (var key in localStorage) key.indexOf(prefix || ACTIVE) || localStorage.removeItem(key);
    } catch (e) { /* storage blocked: only this convenience is lost */ }
  }
  function emit(name, data) {
    listeners[name].slice().forEach(function (listener) {
      try { listener(data); } catch (e) { complain(name + " listener threw " + e); }
    });
  }

  // --- The launcher, in a shadow root beside <body> ------------------------------------------
  function css(element, text) {
    element.style.cssText = text;
    return element;
  }
  var host, root, launcher, path;
  var BUBBLE = "M3 4h18v13H9l-5 4v-4H3z";
  var CROSS = "M5 6.4 6.4 5 19 17.6 17.6 19zM17.6 5 19 6.4 6.4 19 5 17.6z";
  function build() {
    host = css(doc.createElement("zchat-widget"), "all:initial!important");
    root = host.attachShadow({ mode: "open" });
    // Static markup (nothing from the page or the settings); styles through CSSOM, which a
    // Content-Security-Policy without 'unsafe-inline' allows.
    root.innerHTML = '<button aria-expanded=false><svg viewBox="0 0 24 24" width=28 height=28 ' +
      'aria-hidden=true><path fill=currentColor d="' + BUBBLE + '"/></svg></button>';
    launcher = css(root.firstChild, "all:initial;position:fixed;" + side + "bottom:" + y + "px;width:56px;height:56px;" +
      "border-radius:50%;background:" + color + ";cursor:pointer;display:grid;place-items:center;" +
      "box-shadow:0 4px 24px #0004;z-index:" + z);
    path = root.querySelector("path");
    // The icon in black or white, whichever reads on the colour: the colour itself, inverted, grey,
    // then pushed to one end (the frame picks its text colour by the same luminance, src/settings.rs).
    css(root.querySelector("svg"), "color:" + color + ";filter:invert(1) grayscale(1) contrast(99)");
    launcher.onclick = function () { setOpen(!open); };
    launcher.onpointerenter = launcher.onfocus = ensureFrame;
    label();
  }

  // The launcher's label comes from the frame, in the visitor's language; "Chat" until then.
  // (The unread count's badge is the open chat's helpers': only a frame can count.)
  var labels = {};
  function label() {
    launcher.setAttribute("aria-label", (open ? labels.close : labels.unread || labels.open) || "Chat");
  }

  // Narrow screens: the open window takes the whole screen (a phone's, whatever the page's width:
  // a page wider than the phone must not get the corners and limits of a desktop's window).
  function place() {
    if (frame) {
      css(frame, (innerWidth > 480 && screen.width > 480
        ? side + "bottom:" + (y + 68) + "px;width:370px;height:560px;max-width:calc(100% - " + 2 * x + "px);" +
          "max-height:calc(100% - " + (y + 88) + "px);border-radius:12px;box-shadow:0 4px 24px #0004;"
        : "inset:0;width:100%;height:100%;") + "position:fixed;border:0;background:#fff;z-index:" + z + ";display:" + (open ? "block" : "none"));
    }
  }

  // The page the conversation starts on, for the agent: without query and fragment unless "full"
  // (the frame cuts each part to 500 characters).
  function page() {
    return set["page-context"] != "off" && {
      url: set["page-context"] ? location.href : location.origin + location.pathname,
      title: doc.title,
      referrer: doc.referrer && new URL(doc.referrer).origin
    };
  }

  // What the frame must know, all of it each time: when it is ready, and on every change after.
  function post() {
    if (ready) frame.contentWindow.postMessage(JSON.stringify(Object.assign({ zchat: "host", open: !!open, page: page(), forget: forgets }, site)), relay);
  }

  // The frame's wasm (123 of its 131 KB; the build's hook writes its hashed name here), fetched
  // into the browser's cache while the page is idle, so that the frame made on intent starts from
  // it. Only with the relay on the page's own site: the cache is partitioned by site, so another
  // site's frame could not use it. "Own site": the relay's host without its first label (chat.
  // example.com -> example.com) is the page's host or a parent of it (README, "Deploying").
  // (An IP address is taken as a name: two addresses that end alike may waste one prefetch.)
  function prefetch() {
    if (("." + location.hostname).endsWith("." + new URL(relay).hostname.replace(/^[^.]+\.(?=.+\.)/, ""))) {
      var link = doc.createElement("link");
      link.rel = "prefetch";
      link.href = relay + "/widget/ZCHAT_WASM";
      doc.head.appendChild(link);
    }
  }

  function ensureFrame() {
    if (!frame && host.isConnected && consented) {
      frame = doc.createElement("iframe");
      frame.title = attr("title") || "Chat";
      frame.src = relay + "/widget/?" + params;
      place();
      root.appendChild(frame);
      // The open chat's helpers (the page's title, the window on a phone, Back): fetched with the
      // frame, so a page pays for them only once the chat is made (the build writes in its name).
      var helpers = doc.createElement("script");
      helpers.src = relay + "/widget/ZCHAT_OPEN";
      doc.head.appendChild(helpers);
    }
  }

  function setOpen(value) {
    if (value != open) {
      open = value;
      // Before the start's last step, the frame comes in a task of its own (below).
      if (started) ensureFrame();
      place();
      launcher.setAttribute("aria-expanded", open);
      path.setAttribute("d", open ? CROSS : BUBBLE);
      label();
      post();
      if (!open && root.activeElement == frame) launcher.focus();
      emit(open ? "open" : "close");
    }
  }

  // The frame's events: {zchat: name, data}; the page's listeners get them as they are.
  function onMessage(event) {
    var message = frame && event.origin == relay && event.source == frame.contentWindow && parse(event.data);
    var name = isObject(message) && message.zchat;
    var data = message && message.data;
    if (name == "ready") {
      ready = 1;
      post();
    }
    // The launcher's labels, on ready and whenever they change (outside business hours).
    if (name && message.labels) labels = message.labels;
    // The visitor closed the window in the frame (false), or a conversation left open comes back open.
    if (name == "show") setOpen(!!data);
    if (name == "unread") labels.unread = message.label;
    if (ready) label();
    // Kept where it decides something (data-preload="intent"): see look() below.
    if (name == "state" && set.preload == "intent") remember(data.active);
    if (listeners[name]) emit(name, data);
  }

  // --- The JS API ----------------------------------------------------------------------------
  // A command that gives the frame `key` of the site's (an object, setTags' an array; the frame
  // checks what is in it, and says so in its console).
  function giving(command, key, array) {
    commands[command] = function (given) {
      if (array ? !Array.isArray(given) : !isObject(given)) return complain(command + " takes an " + (array ? "array" : "object"));
      // identify's customer_key and signature are the identity, its name, email, phone and cpf
      // the customer (the frame takes each from it).
      site[key] = given;
      if (key == "identity") site.customer = given;
      post();
    };
  }
  var commands = {
    open: function () { setOpen(true); },
    close: function () { setOpen(false); },
    toggle: function () { setOpen(!open); },
    // The site's user logged out: this device's conversations and identity are forgotten (a
    // conversation under way stays as it is in zChat), and the next visitor starts clean.
    logout: function () {
      site.identity = site.customer = null;
      commands.forget();
    },
    forget: function () {
      forgets++;
      // This device's keys on the page go at once, the frame may never come on it: the open
      // chat's helpers keep the conversation here when the frame's own storage is refused.
      remember(0, "zchat:");
      post();
    },
    consent: function (given) {
      if (given && !consented) {
        consented = 1;
        if (started) start();
      }
      // Withdrawn: the frame forgets (its message needs a moment to arrive), then the widget goes.
      if (!given && consented && set.consent) {
        commands.forget();
        setTimeout(commands.destroy, 500);
      }
    },
    on: function (name, listener) {
      if (!listeners[name] || typeof listener != "function") return complain("on takes an event (" + EVENTS + ") and a function");
      listeners[name].push(listener);
      // Ready already: the listener learns it at once, though not in the middle of this call.
      if (name == "ready" && ready) setTimeout(listener);
      return function () { commands.off(name, listener); };
    },
    off: function (name, listener) {
      var found = listeners[name] || [];
      found.splice(found.indexOf(listener) >>> 0, 1);
    },
    destroy: function () {
      observer.disconnect();
      removeEventListener("message", onMessage);
      removeEventListener("resize", place);
      host.remove();
      if (win.zchat == api) delete win.zchat;
    }
  };
  giving("setCustomer", "customer");
  giving("setExtra", "extra");
  giving("identify", "identity");
  giving("setTags", "tags", 1);
  giving("setHistory", "history");
  function api(command) {
    if (!commands.hasOwnProperty(command)) return complain("unknown command " + command);
    return commands[command].apply(0, [].slice.call(arguments, 1));
  }
  api.loaded = 1;
  // Until the start's second step, calls wait in the queue as they did in the stub's.
  var queue = (stub && stub.q) || [];
  function queued() {
    var call = arguments;
    queue.push(call);
    return call[0] == "on" ? function () { win.zchat("off", call[1], call[2]); } : undefined;
  }
  queued.loaded = 1;
  win.zchat = queued;

  // --- Wiring --------------------------------------------------------------------------------
  addEventListener("message", onMessage);
  addEventListener("resize", place);

  // Beside <body>, not in it: a single-page app that replaces its body leaves the widget alone,
  // and one that removes it anyway gets it back.
  var observer = new MutationObserver(mount);
  function mount() {
    if (!host.isConnected) doc.documentElement.appendChild(host);
    observer.observe(doc, { childList: true });
    observer.observe(doc.documentElement, { childList: true });
  }

  // Start in steps, each its own task, so that the host page's main thread is never held long
  // (a phone's CPU, a relay on the site's own domain): the settings, then the launcher, then the
  // page's queued calls (the API is the stub's queue until then), then a look at this device's
  // storage, then the frame (at once if the page opened the chat; when the browser is idle for a
  // conversation under way or data-preload="idle") or the frame's files. Making a frame costs the
  // page's main thread two tasks of the browser's own (creating it, then handing it to the
  // relay's process), about 12 ms each at full speed and over 50 ms on a phone's CPU: so by
  // default it waits for the visitor's intent (BENCHMARKS.md, "The host page's cost").
  function start() {
    mount();
    setTimeout(function look() {
      if (open) setTimeout(ensureFrame);
      // The device's storage is read only where it decides something: its first read in a page is
      // two synchronous calls to the browser (tens of ms on a phone's CPU). By default the frame
      // comes as soon as the visitor stirs, a conversation under way or not.
      else if (set.preload == "idle" || set.preload == "intent" && remember()) whenIdle(ensureFrame);
      else if (!set.preload) {
        whenIdle(prefetch);
        // The visitor stirs (moves the pointer, touches, scrolls, types): the frame, when idle
        // (each kind of event once; the frame is made once).
        "pointermove pointerdown scroll keydown".split(" ").forEach(function (type) {
          addEventListener(type, function () { whenIdle(ensureFrame); }, { once: 1, passive: 1 });
        });
      }
    });
  }

  function whenIdle(then) {
    var idle = function () { (win.requestIdleCallback || setTimeout)(then, { timeout: 4000 }); };
    doc.readyState == "complete" ? idle() : addEventListener("load", idle);
  }
  // The launcher is built in one task and put on the page in the next (start's `mount`): on a
  // phone's CPU the two together came near 50 ms.
  setTimeout(function launch() {
    build();
    setTimeout(function flush() {
      win.zchat = api;
      queue.forEach(function (call) { api.apply(0, call); });
      started = 1;
      if (consented) start();
    });
  });
})(window, document);
