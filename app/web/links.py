"""Short relative links to a run's steps and pictures, for the templates."""

from __future__ import annotations

from urllib.parse import urlencode


def run_link(page: str, step: int, cell: str | None = None, scale: str = "stage") -> str:
    """The page at ``page`` (a run's /runs/{id} or a demo's /d/{id}) at ``step``, with the
    selected cell and the per-map scale when set."""
    params: dict[str, str | int] = {"step": step}
    if cell:
        params["cell"] = cell
    if scale != "stage":
        params["scale"] = scale
    return f"{page}?{urlencode(params)}"


def heatmap_link(run_id: str, stage: int, index: int, scale: str = "stage") -> str:
    query = "?scale=map" if scale == "map" else ""
    return f"/runs/{run_id}/stages/{stage}/maps/{index}.png{query}"


def cell_key(selected: tuple[int, int, int, int] | None) -> str | None:
    return ".".join(str(v) for v in selected) if selected else None
