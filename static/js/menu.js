/* On every page, loaded in <head> (a file, not inline: the CSP allows no inline script).
   1. html.js: the phone menu folds away only when this script runs (without it the navigation stays open).
   2. The ☰ button opens and closes it (a real button: Enter and Space, aria-expanded); Escape closes it.
   3. On a desktop, each group's name (Watch, Prepare, Audit, Administration) is a disclosure button: Enter,
      Space or a click opens its menu (aria-expanded), Escape closes it and gives the focus back to the name,
      and the menu closes when the focus leaves the group; a hover opens it too. On a phone the groups are
      headings in the ☰ menu, always open, so their buttons carry no aria-expanded there.
   4. --topbar-h and --bottombar-h: the heights of the sticky bars, so that scroll-padding keeps the element
      that has the keyboard focus out from under them (WCAG 2.4.11). */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");

  function measure() {
    var top = document.querySelector(".topbar");
    // the top bar is sticky, except while the phone menu is open (a long menu must scroll with the page)
    var sticky = top && getComputedStyle(top).position === "sticky";
    root.style.setProperty("--topbar-h", sticky ? Math.ceil(top.getBoundingClientRect().height) + "px" : "0px");
    var bottom = 0;
    document.querySelectorAll("[data-sticky-bottom]").forEach(function (el) {
      if (getComputedStyle(el).position === "sticky") bottom = Math.max(bottom, Math.ceil(el.getBoundingClientRect().height));
    });
    root.style.setProperty("--bottombar-h", bottom + "px");
  }

  function groups() {
    var desktop = window.matchMedia("(min-width: 800px)");
    var labels = document.querySelectorAll(".nav-group-label");
    var setOpen = function (label, open) {
      label.parentNode.classList.toggle("is-open", open);
      if (desktop.matches) label.setAttribute("aria-expanded", open ? "true" : "false");
    };
    var fit = function () {
      labels.forEach(function (label) {
        label.parentNode.classList.remove("is-open");
        if (desktop.matches) label.setAttribute("aria-expanded", "false"); else label.removeAttribute("aria-expanded");
      });
    };
    labels.forEach(function (label) {
      var group = label.parentNode;
      label.addEventListener("click", function () {
        if (!desktop.matches) return;
        var open = !group.classList.contains("is-open");
        labels.forEach(function (other) { if (other !== label) setOpen(other, false); });
        setOpen(label, open);
      });
      group.addEventListener("keydown", function (ev) {
        if (ev.key === "Escape" && group.classList.contains("is-open")) {
          ev.stopPropagation();  // the phone menu's own Escape stays for the ☰ button
          setOpen(label, false);
          label.focus();
        }
      });
      group.addEventListener("focusout", function (ev) {
        if (!group.contains(ev.relatedTarget)) setOpen(label, false);
      });
    });
    fit();
    if (desktop.addEventListener) desktop.addEventListener("change", fit);
  }

  function ready() {
    var button = document.querySelector(".nav-button");
    var nav = document.getElementById("main-nav");
    if (button && nav) {
      button.hidden = false;
      var setOpen = function (open) {
        button.setAttribute("aria-expanded", open ? "true" : "false");
        root.classList.toggle("menu-open", open);
        measure();
      };
      button.addEventListener("click", function () { setOpen(button.getAttribute("aria-expanded") !== "true"); });
      document.addEventListener("keydown", function (ev) {
        if (ev.key === "Escape" && button.getAttribute("aria-expanded") === "true") { setOpen(false); button.focus(); }
      });
    }
    groups();
    measure();
    window.addEventListener("resize", measure);
    if (window.ResizeObserver) {
      var watch = new ResizeObserver(measure);
      document.querySelectorAll(".topbar, [data-sticky-bottom]").forEach(function (el) { watch.observe(el); });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready); else ready();
})();
