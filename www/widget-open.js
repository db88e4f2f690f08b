/*
 * The open chat's helpers on the host page. The loader (widget.js) fetches this with the frame,
 * so a page pays for it only once the chat is made: the loader's 2.5 KB hold what every page
 * load needs, this what an open chat needs. It works through the public API (`zchat`) and the
 * widget's own shadow root, and adds no global.
 * - The page's title while the visitor looks away: the frame's `title` messages.
 * - On a phone, while the window is open (full screen): it follows the visual viewport (the
 *   on-screen keyboard, a pinch), so the composer stays in view; the page does not scroll behind
 *   it; the browser's Back closes it (and only then).
 * - On host pages without a viewport meta tag (laid out 980 px wide on a 390 px phone), the
 *   window is drawn at the phone's own size and scaled up to fill its screen.
 */
(function (win, doc) {
  var relay = new URL(doc.currentScript.src).origin;
  var host = doc.querySelector("zchat-widget");
  var frame = host && host.shadowRoot.querySelector("iframe");
  var zchat = win.zchat;
  var viewport = win.visualViewport;
  if (!frame || !zchat || !viewport) return;
  var open, pageTitle, overflow, pushed;

  // A phone's screen: the window is full screen there (the loader's own rule is the page's width,
  // which a page without a viewport meta tag makes 980 px).
  function phone() {
    return innerWidth <= 480 || screen.width <= 480;
  }

  // The visible part of the page, in the page's pixels; `scale` of them per pixel of the phone's
  // own (1 with a viewport meta tag).
  function follow() {
    if (open && phone()) {
      var scale = Math.max(1, innerWidth / screen.width);
      frame.style.cssText += ";inset:auto;left:" + viewport.offsetLeft + "px;top:" + viewport.offsetTop + "px;width:" +
        viewport.width / scale + "px;height:" + viewport.height / scale + "px;transform:scale(" + scale + ");transform-origin:0 0";
    }
  }

  function opened() {
    open = 1;
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
  viewport.addEventListener("resize", follow);
  viewport.addEventListener("scroll", follow);
  // Opened before this arrived (the page opened the chat at once, a click): as if just opened.
  if (frame.style.display == "block") opened();

  addEventListener("message", function (event) {
    var message;
    try {
      message = event.origin == relay && event.source == frame.contentWindow && JSON.parse(event.data);
    } catch (e) { /* not the frame's */ }
    if (message && message.zchat == "title") {
      var text = message.data && message.data.text;
      pageTitle = pageTitle || doc.title;
      doc.title = text || pageTitle;
      if (!text) pageTitle = "";
    }
  });
})(window, document);
