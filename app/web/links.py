"""Every URL the pages and the API hand out, built from the routes' names.

``Links`` asks the router for each named route's path template once (e.g. ``/runs/{run_id}``),
so making a link after that is a string format, not a walk over the routes; templates and
handlers both use it.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode

from starlette.routing import Router

from ..service import DEFAULT_SCHEME as DEFAULT
from .static_files import version


class Links:
    def __init__(self, router: Router) -> None:
        self._router = router
        self._templates: dict[tuple[str, tuple[str, ...]], str] = {}

    def _template(self, name: str, params: tuple[str, ...]) -> str:
        """Route ``name``'s path with a ``{param}`` field for each parameter; asked of the
        router once per name and set of parameters, then kept."""
        key = (name, params)
        template = self._templates.get(key)
        if template is None:
            fields = {p: "{" + p + "}" for p in params}
            template = self._templates[key] = str(self._router.url_path_for(name, **fields))
        return template

    def path(self, name: str, /, **params: object) -> str:
        """The path of route ``name`` with its parameters filled in (each quoted)."""
        template = self._template(name, tuple(sorted(params)))
        return template.format(**{k: _quoted(k, v) for k, v in params.items()})

    def static(self, path: str) -> str:
        """A static file's path, with its content's hash (see ``static_files``)."""
        return f"{self.path('static', path=path)}?v={version(path)}"

    def heatmap(
        self, run_id: str, stage: int, index: int, scale: str = "stage", colours: str = DEFAULT
    ) -> str:
        url = self.path("heatmap", run_id=run_id, stage=stage, index=index)
        return with_look(url, scale, colours)

    def heatmaps(
        self, run_id: str, stage: int, count: int, scale: str = "stage", colours: str = DEFAULT
    ) -> list[str]:
        """``heatmap`` for maps 0 to count - 1 of a stage, from one template (a letters run
        has 196 of them)."""
        marked = self.heatmap(run_id, stage, 0, scale, colours).split("/maps/0", 1)
        return [f"{marked[0]}/maps/{i}{marked[1]}" for i in range(count)]

    def sheet(self, run_id: str, stage: int, scale: str = "stage", colours: str = DEFAULT) -> str:
        """The picture holding every map of ``stage`` side by side."""
        return with_look(self.path("sheet", run_id=run_id, stage=stage), scale, colours)


_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*")


def _quoted(name: str, value: object) -> str:
    """A path parameter, quoted (ids and numbers, the usual case, need nothing done)."""
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN.fullmatch(text):
        return text
    return quote(text, safe="/" if name == "path" else "")


def with_query(path: str, **params: object) -> str:
    """``path`` with the given query parameters added to any it has (a page's mode, say); None
    and empty values are left out."""
    path, _, query = path.partition("?")
    kept: dict[str, object] = dict(parse_qsl(query))
    kept.update(params)
    kept = {k: v for k, v in kept.items() if v is not None and v != ""}
    return f"{path}?{urlencode(kept)}" if kept else path


def look_params(scale: str, colours: str) -> dict[str, str | None]:
    """How pictures look, as query parameters: the per-map scale and the colour scheme, each
    only when it is not the default."""
    return {
        "scale": scale if scale != "stage" else None,
        "colours": colours if colours != DEFAULT else None,
    }


def with_look(path: str, scale: str = "stage", colours: str = DEFAULT) -> str:
    """``path`` with how its pictures look (``look_params``)."""
    return with_query(path, **look_params(scale, colours))


def step_link(
    page: str, step: int, cell: str | None = None, scale: str = "stage",
    fragment: str | None = None, colours: str = DEFAULT,
) -> str:  # fmt: skip
    """The explorer at ``page`` (a run's, a demo's or an embed's path) at ``step``, with the
    selected cell, the per-map scale and the colour scheme when chosen, and the fragment an htmx
    request asks for."""
    return with_query(page, step=step, cell=cell, **look_params(scale, colours), fragment=fragment)
