/*
 * The open chat's helpers on the host page. The loader (widget.js) fetches this with the frame,
 * so a page pays for it only once the chat is made: the loader's 2.5 KB hold what every page
 * load needs, this what an open chat needs. It works through the public API (`zchat`) and the
 * widget's own shadow root, and adds no global.
 * - The unread count on the launcher while the window is closed (the page's `unread` events).
 * - The page's title while the visitor looks away: the frame's `title` messages.
 * - Browser notifications, which a frame from another site cannot ask for: the browser's word
 *   goes to the frame (once it is ready, and when it asks on the visitor's click), and the frame's
 *   `notify` messages (an agent's message while the page is hidden, the visitor having turned them
 *   on) are shown; a click on one brings the tab to the front with the chat open. Android's
 *   Chrome shows them only through a service worker, which a site's page cannot get from us:
 *   there they are said to be unsupported, and the option is not shown.
 * - On a phone, while the window is open (full screen): it follows the visual viewport (the
 *   on-screen keyboard, a pinch), so the composer stays in view; the page does not scroll behind
 *   it; the browser's Back closes it (and only then).
 * - On pages drawn under a phone's notch and home bar (`viewport-fit=cover`), the window keeps its
 *   content within the safe area: the frame is padded by the page's safe-area insets.
 * - On host pages without a viewport meta tag (laid out 980 px wide on a 390 px phone), the
 *   window is drawn at the phone's own size and scaled up to fill its screen.
 * - Where the browser refuses the frame its own storage (README, "Privacy"), the page's keeps
 *   what the frame must find on the site's next page: handed over when the frame is ready
 *   (`kept:` and a JSON object of the `zchat:conversation:…` keys), written when the frame says
 *   (`keep`, a key of that form and a text of at most 8 KB; `forget`: every `zchat:` key goes);
 *   and the tab that chimes is chosen here, with the lock of the site's own tabs (`chime`).
 */
(function (win, doc) {
  var relay = new URL(doc.currentScript.src).origin;
  var host = doc.querySelector("zchat-widget");
  var frame = host && host.shadowRoot.querySelector("iframe");
  var zchat = win.zchat;
  var viewport = win.visualViewport;
  if (!frame || !zchat) return;
  var open, pageTitle, overflow, pushed, unread;
  var Notice = !/Android/.test(navigator.userAgent) && win.Notification;

  function tell(text) {
    frame.contentWindow.postMessage(text, relay);
  }
  function permission() {
    tell("notify:" + (Notice ? Notice.permission : "unsupported"));
  }

  // The page's own storage, for a frame refused its own (src/storage.rs). A page whose storage is
  // refused too (every cookie blocked) keeps nothing: the chat still works on this page.
  var CONVERSATION = /^zchat:conversation:\d{1,18}$/;
  function stored(each) {
    try {
      Object.keys(localStorage).forEach(each);
    } catch (e) { /* refused: nothing kept */ }
  }
  function handOver() {
    var kept = {};
    stored(function (key) {
      if (CONVERSATION.test(key)) kept[key] = localStorage[key];
    });
    tell("kept:" + JSON.stringify(kept));
  }
  function keep(data) {
    try {
      if (CONVERSATION.test(data.key) && typeof data.value == "string" && data.value.length <= 8192) localStorage[data.key] = data.value;
    } catch (e) { /* refused or full: nothing kept */ }
  }

  // A phone's screen: the window is full screen there (the loader's own rule is the page's width,
  // which a page without a viewport meta tag makes 980 px).
  function phone() {
    return innerWidth <= 480 || screen.width <= 480;
  }

  // The visible part of the page, in the page's pixels, and the frame drawn in the phone's own:
  // `zoom` of them per pixel of the page's (1 with a viewport meta tag, unless pinched; 0.4 on a
  // page without one). Not the page's width over the screen's: a page whose content overflows
  // (a long line) is wider than the screen at a zoom of 1.
  function follow() {
    if (open && phone() && viewport) {
      var zoom = viewport.scale;
      frame.style.cssText += ";inset:auto;left:" + viewport.offsetLeft + "px;top:" + viewport.offsetTop + "px;width:" +
        viewport.width * zoom + "px;height:" + viewport.height * zoom + "px;transform:scale(" + 1 / zoom + ");transform-origin:0 0;" +
        "box-sizing:border-box;padding:env(safe-area-inset-top) env(safe-area-inset-right) env(safe-area-inset-bottom) env(safe-area-inset-left)";
    }
  }

  // The unread count, a badge on the launcher (hidden while the window is open).
  var badge = host.shadowRoot.querySelector("button").appendChild(doc.createElement("span"));
  badge.setAttribute("aria-hidden", "true");
  badge.style.cssText = "position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 5px;border-radius:10px;" +
    "background:#d93025;color:#fff;font:bold 12px/20px sans-serif;display:none";
  function count() {
    badge.textContent = unread > 9 ? "9+" : unread;
    badge.style.display = !open && unread ? "block" : "none";
  }
  zchat("on", "unread", function (data) {
    unread = data | 0;
    count();
  });

  function opened() {
    open = 1;
    count();
    if (phone()) {
      var style = doc.documentElement.style;
      overflow = style.overflow;
      style.overflow = "hidden";
      follow();
      // An entry of the page's history that Back takes away: closing the chat.
      history.pushState({ zchat: 1 }, "");
      pushed = 1;
    }
  }

  zchat("on", "open", opened);
  zchat("on", "close", function () {
    open = 0;
    count();
    if (overflow != null) doc.documentElement.style.overflow = overflow;
    overflow = null;
    // Closed otherwise than by Back: its history entry goes too.
    if (pushed && history.state && history.state.zchat) history.back();
    pushed = 0;
  });
  addEventListener("popstate", function () {
    if (open && pushed) {
      pushed = 0;
      zchat("close");
    }
  });
  // After the loader places the window (it does on resize and when it opens).
  addEventListener("resize", follow);
  // (A browser without a visual viewport, before 2021: the loader's full-screen window only.)
  if (viewport) {
    viewport.addEventListener("resize", follow);
    viewport.addEventListener("scroll", follow);
  }
  // Opened before this arrived (the page opened the chat at once, a click): as if just opened.
  if (frame.style.display == "block") opened();

  addEventListener("message", function (event) {
    var message;
    try {
      message = event.origin == relay && event.source == frame.contentWindow && JSON.parse(event.data);
    } catch (e) { /* not the frame's */ }
    var name = message && message.zchat, data = message && message.data || {};
    if (name == "title") {
      pageTitle = pageTitle || doc.title;
      doc.title = data.text || pageTitle;
      if (!data.text) pageTitle = "";
    }
    if (name == "permission") Notice.requestPermission().then(permission);
    if (name == "keep") keep(data);
    if (name == "forget") {
      stored(function (key) {
        if (!key.indexOf("zchat:")) localStorage.removeItem(key);
      });
    }
    // One tab chimes: the first to get the lock the site's tabs share, held two seconds.
    if (name == "chime") {
      var answer = function (lock) { tell("chosen:" + (data | 0) + ":" + (lock ? 1 : 0)); };
      if (!navigator.locks) answer(1);
      else navigator.locks.request("zchat:chime", { ifAvailable: true }, function (lock) {
        answer(lock);
        return lock && new Promise(function (release) { setTimeout(release, 2000); });
      }).catch(function () { answer(1); });
    }
    if (name == "notify") {
      var shown = new Notice(data.agent || frame.title, { body: data.text, tag: "zchat" });
      shown.onclick = function () {
        focus();
        zchat("open");
        shown.close();
      };
    }
  });
  // When the frame is ready, or at once if it is already (the public API's `ready`). Not before:
  // a message to a frame still loading cost the page a long task on a phone's CPU (60-170 ms at
  // 4x, measured with the long animation frames of the budget test's page).
  zchat("on", "ready", function () {
    permission();
    handOver();
  });
})(window, document);
