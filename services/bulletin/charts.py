"""Server-side charts as inline SVG (pygal), with a CJK font so Chinese labels render in PDF too."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import pygal
from markupsafe import Markup
from pygal.style import Style

from services.bulletin import model
from services.bulletin.labels import CATEGORIES, LEVELS, LIGHTS, name_of

FONT = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', sans-serif"
LIGHT_COLOURS = {"green": "#2e9d4f", "yellow": "#e0a800", "red": "#d63b3b", "none": "#9e9e9e"}
MAX_BARS = 30


@cache
def _style(*colours: str) -> Style:
    return Style(font_family=FONT, background="white", plot_background="white", foreground="#333",
                 foreground_strong="#111", foreground_subtle="#999", colors=colours or ("#3c78b4",),
                 label_font_size=11, major_label_font_size=11, title_font_size=14, value_font_size=10,
                 legend_font_size=11, tooltip_font_size=11)


def _render(chart: pygal.graph.graph.Graph) -> Markup:
    return Markup(chart.render(is_unicode=True))


def _options(title: str, height: int, *colours: str) -> dict:
    return {"title": title, "style": _style(*colours), "width": 760, "height": height,
            "disable_xml_declaration": True, "js": [], "show_legend": False, "print_values": True,
            "explicit_size": True, "pretty_print": False}


def scores(title: str, units: Sequence[model.RankedUnit]) -> Markup | None:
    """Horizontal bars of unit scores, best at the top (at most MAX_BARS units); incomplete units,
    whose scores stand on missing facts, are left out as they are left out of the ranking."""
    shown = [u for u in units if u.score is not None and not u.incomplete][:MAX_BARS]
    if not shown:
        return None
    chart = pygal.HorizontalBar(range=(0, 100), **_options(title, 90 + 26 * len(shown)))
    chart.x_labels = [u.name for u in reversed(shown)]
    chart.add("得分", [{"value": u.score, "color": LIGHT_COLOURS.get(u.light or "", "#3c78b4")}
                     for u in reversed(shown)], formatter=lambda v: f"{v:.2f}")
    return _render(chart)


def lights(level: model.LevelLights) -> Markup | None:
    """One level's lights (units without recovery facts in grey, as 无数据)."""
    counts = level.counts
    present = [light for light in model.LIGHT_KEYS if counts.get(light)]
    if not present:
        return None
    title = f"{name_of(LEVELS, level.level)}电费回收率红黄绿灯（单位数）"
    chart = pygal.Pie(inner_radius=0.45, **{**_options(title, 300, *(LIGHT_COLOURS[light] for light in present)),
                                            "show_legend": True})
    for light in present:
        chart.add(LIGHTS[light], [counts[light]])
    return _render(chart)


def errors(tallies: Sequence[model.ErrorTally]) -> Markup | None:
    if not tallies:
        return None
    chart = pygal.Bar(**_options("差错按类别分布（件）", 300))
    chart.x_labels = [name_of(CATEGORIES, t.key) for t in tallies]
    top = max(t.count for t in tallies)
    chart.y_labels = list(range(0, top + 1, max(1, -(-top // 8))))  # whole numbers of errors
    chart.add("件数", [t.count for t in tallies])
    return _render(chart)
