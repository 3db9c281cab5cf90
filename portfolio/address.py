"""The app's own address parameters (``lang``, ``view``, ``sel``, ``links``): what a wrong one says.

The filter's parameters are checked by :meth:`portfolio.query.Filter.from_params_lenient`; these four
belong to the page. :func:`app_param_errors` gives one :class:`~portfolio.query.FilterError` per wrong
value (translated by :func:`portfolio.i18n.query_error`), so the app drops it with the warning the
README promises instead of silently. :func:`dropped_address` tells when Streamlit ignored the whole
address (over :data:`MAX_FIELDS` parameters or :data:`MAX_LENGTH` characters).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence

from portfolio.query import FilterError

#: Streamlit ignores a whole address with more parameters than this (``query_params.py``).
MAX_FIELDS = 1000
#: … or longer than this many characters.
MAX_LENGTH = 512 * 1024
#: The values ``links`` takes.
LINKS = ("0", "1")


def _unknown(field: str, value: str, allowed: Sequence[str]) -> FilterError:
    return FilterError(
        f"unknown {field} {value!r}; allowed values: {', '.join(allowed)}",
        "unknown_value",
        {"field": field, "value": value, "allowed": ", ".join(allowed)},
    )


def app_param_errors(
    params: Mapping[str, Sequence[str]], *, langs: Sequence[str], views: Sequence[str], ids: Collection[str]
) -> list[FilterError]:
    """The wrong values among the page's own parameters in ``params`` (each name -> its values)."""
    errors: list[FilterError] = []
    allowed = {"lang": langs, "view": views, "links": LINKS}
    for field in ("lang", "view", "sel", "links"):
        values = list(params.get(field, []))
        if len(values) > 1:
            errors.append(
                FilterError(
                    f"{field}: given {len(values)} times; give it once",
                    "repeated_parameter",
                    {"field": field, "count": str(len(values))},
                )
            )
            continue
        if not values:
            continue
        value = values[0]
        if field == "sel":
            if value and value not in ids:
                errors.append(
                    FilterError(
                        f"sel: no project has the id {value!r}",
                        "unknown_project",
                        {"field": field, "value": value},
                    )
                )
        elif value not in allowed[field]:
            errors.append(_unknown(field, value, allowed[field]))
    return errors


def dropped_address(query: str) -> int | None:
    """How many parameters ``query`` holds when Streamlit would ignore it whole, else ``None``."""
    query = query.lstrip("?")
    fields = query.count("&") + 1 if query else 0
    if fields > MAX_FIELDS or len(query) > MAX_LENGTH:
        return fields
    return None


#: Where the warning of :func:`dropped_address_script` is drawn (its element's id).
DROPPED_ID = "pf-address-dropped"


def dropped_address_script(texts: Mapping[str, str], default_lang: str) -> str:
    """A page (for ``streamlit.components.v1.html``) whose script warns, in the page's top document,
    when the browser's address is one Streamlit ignored whole (the server never sees it).

    ``texts`` maps a language to its message, ``{n}`` standing for the number of parameters; the
    address's own ``lang`` picks it (else ``default_lang``). The warning is text (``textContent``),
    never markup.
    """
    data = json.dumps(
        {
            "texts": dict(texts),
            "lang": default_lang,
            "fields": MAX_FIELDS,
            "length": MAX_LENGTH,
            "id": DROPPED_ID,
        }
    ).replace("</", "<\\/")
    return f"""<script>
(function () {{
  const cfg = {data};
  const top = window.parent;
  const query = top.location.search.replace(/^\\?/, "");
  const n = query ? query.split("&").length : 0;
  if (!(n > cfg.fields || query.length > cfg.length)) return;
  const doc = top.document;
  if (doc.getElementById(cfg.id)) return;
  const asked = (query.match(/(?:^|&)lang=([a-z]+)/) || [])[1];
  const lang = cfg.texts[asked] ? asked : cfg.lang;
  const box = doc.createElement("div");
  box.id = cfg.id;
  box.setAttribute("role", "alert");
  box.textContent = cfg.texts[lang].replace("{{n}}", n.toLocaleString(lang === "vi" ? "de-DE" : "en-US"));
  box.style.cssText = "position:fixed;top:3.75rem;left:50%;transform:translateX(-50%);z-index:999990;" +
    "max-width:56rem;padding:0.75rem 1rem;border-radius:0.5rem;background:#fffce7;color:#7a5a00;" +
    "border:1px solid #f2cd4f;font:0.95rem/1.4 sans-serif;box-shadow:0 2px 6px rgba(0,0,0,0.15);";
  doc.body.appendChild(box);
}})();
</script>"""


def copy_link_html(texts: Mapping[str, str]) -> str:
    """A page (for ``streamlit.components.v1.html``) with one real ``<button>`` that copies the top
    document's address, which carries the filter, the selection and the view, to the clipboard.

    ``texts`` holds ``copy_link`` (the button), ``copy_link_done`` and ``copy_link_failed`` (said in
    a live region after the click). Text only (``textContent``); the button is a native control, so
    the keyboard reaches and presses it.
    """
    data = json.dumps(dict(texts)).replace("</", "<\\/")
    return f"""<!doctype html><html><head><style>
body {{ margin: 0; font: 0.875rem/1.4 "Source Sans Pro", sans-serif; }}
button {{ font: inherit; padding: 0.3rem 0.75rem; border: 1px solid rgba(49, 51, 63, 0.35);
  border-radius: 0.5rem; background: #fff; color: #31333f; cursor: pointer; }}
button:focus-visible {{ outline: 2px solid #1c5fb8; outline-offset: 2px; }}
span {{ margin-left: 0.5rem; color: #1d6b31; }}
</style></head><body>
<button type="button" id="pf-copy-link"></button><span id="pf-copy-status" role="status"></span>
<script>
(function () {{
  const texts = {data};
  const button = document.getElementById("pf-copy-link");
  const status = document.getElementById("pf-copy-status");
  button.textContent = texts.copy_link;
  button.addEventListener("click", function () {{
    const href = window.parent.location.href;
    navigator.clipboard.writeText(href).then(
      function () {{ status.textContent = texts.copy_link_done; button.dataset.copied = href; }},
      function () {{ status.textContent = texts.copy_link_failed; }}
    );
  }});
}})();
</script></body></html>"""
