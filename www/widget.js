/*
 * zChat widget embed loader. A site adds:
 *   <script src="https://RELAY/widget.js" data-department="1" async></script>
 * It draws a launcher button and, when the visitor opens it, an iframe with the widget (served by
 * the relay, so the page's CSS and the widget's never touch). Settings: data-department
 * (required), data-title.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__zchatLoaded) return;
  window.__zchatLoaded = true;
  var relay = new URL(script.src).origin;
  var department = script.getAttribute("data-department");
  if (!department || !/^[1-9][0-9]*$/.test(department.trim())) {
    console.error("zChat widget: data-department must be a positive whole number (got " + JSON.stringify(department) + "); the widget is not shown.");
    return;
  }
  var params = new URLSearchParams({ department: department.trim() });
  var title = script.getAttribute("data-title");
  if (title) params.set("title", title);
  // Pre-chat fields, "*" for required: data-fields="name*,email,phone*,cpf" (the frame checks them).
  var fields = script.getAttribute("data-fields");
  if (fields) params.set("fields", fields);

  var frame = null;
  var open = false;
  var launcher = document.createElement("button");
  launcher.type = "button";
  launcher.id = "zchat-launcher";
  launcher.setAttribute("aria-label", "Open chat");
  launcher.setAttribute("aria-expanded", "false");
  // An SVG icon, not an emoji: it looks the same with any fonts the visitor has.
  var svg = "http://www.w3.org/2000/svg";
  var icon = document.createElementNS(svg, "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("width", "28");
  icon.setAttribute("height", "28");
  icon.setAttribute("aria-hidden", "true");
  var path = document.createElementNS(svg, "path");
  path.setAttribute("fill", "currentColor");
  var bubble = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z";
  var cross = "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z";
  path.setAttribute("d", bubble);
  icon.appendChild(path);
  launcher.appendChild(icon);
  launcher.style.cssText = "position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;" +
    "background:#2f6fed;color:#fff;cursor:pointer;display:flex;align-items:center;justify-content:center;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483000";

  function ensureFrame() {
    if (frame) return frame;
    frame = document.createElement("iframe");
    frame.id = "zchat-frame";
    frame.title = title || "Chat";
    frame.src = relay + "/widget/?" + params.toString();
    frame.style.cssText = "position:fixed;right:20px;bottom:88px;width:370px;height:560px;max-width:calc(100vw - 40px);" +
      "max-height:calc(100vh - 108px);border:0;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);" +
      "background:#fff;z-index:2147483000;display:none";
    document.body.appendChild(frame);
    return frame;
  }

  launcher.addEventListener("click", function () {
    open = !open;
    ensureFrame().style.display = open ? "block" : "none";
    launcher.setAttribute("aria-expanded", String(open));
    launcher.setAttribute("aria-label", open ? "Close chat" : "Open chat");
    path.setAttribute("d", open ? cross : bubble);
  });

  function mount() { document.body.appendChild(launcher); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
